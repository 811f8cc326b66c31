import t from "tap";
import { parseJobRecord } from "../../managers/slurm/job.ts";

// `scontrol show job -o <id>` as Slurm 22.05 printed it on the test cluster, for a running job
// submitted with `sbatch -p single -n 2 --comment="two words" -J "unit fixture" "…/with space/x.sh"`
// (note the two spaces after Comment's value and the empty Power= at the end).
const RUNNING =
  "JobId=39 JobName=unit fixture UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901722 Nice=0 Account=(null) QOS=(null) JobState=RUNNING Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:01 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-21T09:37:45 EligibleTime=2026-11-21T09:37:45 AccrueTime=2026-11-21T09:37:45 StartTime=2026-11-21T09:37:46 EndTime=Unknown Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-21T09:37:46 Scheduler=Main Partition=single AllocNode:Sid=localhost:16626 ReqNodeList=(null) ExcNodeList=(null) NodeList=dn0 BatchHost=dn0 NumNodes=1 NumCPUs=2 NumTasks=2 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=2,node=1,billing=2 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=YES Contiguous=0 Licenses=(null) Network=(null) Command=/tmp/unit-helper-slurm/with space/x.sh WorkDir=/tmp/unit-helper-slurm Comment=two words  StdErr=/tmp/unit-helper-slurm/out-39.txt StdIn=/dev/null StdOut=/tmp/unit-helper-slurm/out-39.txt Power= \n";

// The same cluster, a held job (`#SBATCH --hold`): pending, and NodeList= empty.
const HELD =
  "JobId=38 JobName=q x UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=0 Nice=0 Account=(null) QOS=(null) JobState=PENDING Reason=JobHeldUser Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-21T09:37:40 EligibleTime=Unknown AccrueTime=Unknown StartTime=Unknown EndTime=Unknown Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-21T09:37:40 Scheduler=Main Partition=debug AllocNode:Sid=localhost:16626 ReqNodeList=(null) ExcNodeList=(null) NodeList= NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,mem=1G,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=YES Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp/unit-helper-slurm Comment=a  StdErr=/tmp/unit-helper-slurm/slurm-38.out StdIn=/dev/null StdOut=/tmp/unit-helper-slurm/slurm-38.out Power= ";

// The same cluster, `sbatch --wrap 'sleep 5'` once cancelled.
const CANCELLED =
  "JobId=40 JobName=wrap UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901721 Nice=0 Account=(null) QOS=(null) JobState=CANCELLED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:15 RunTime=00:00:02 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-21T09:37:47 EligibleTime=2026-11-21T09:37:47 AccrueTime=2026-11-21T09:37:47 StartTime=2026-11-21T09:37:47 EndTime=2026-11-21T09:37:49 Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-21T09:37:47 Scheduler=Main Partition=debug AllocNode:Sid=localhost:16626 ReqNodeList=(null) ExcNodeList=(null) NodeList=dn1 BatchHost=dn1 NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=YES Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp/unit-helper-slurm StdErr=/dev/null StdIn=/dev/null StdOut=/dev/null Power= ";

t.test("a running job, as scontrol printed it", (t) => {
  const job = parseJobRecord(RUNNING);
  t.equal(job.jobId, "39");
  t.equal(job.state, "RUNNING");
  t.equal(job.reason, "None");
  t.equal(job.nodeList, "dn0");
  t.equal(job.numTasks, 2);
  const f = job.fields;
  t.equal(f.JobName, "unit fixture", "a value with a space");
  t.equal(f.Command, "/tmp/unit-helper-slurm/with space/x.sh", "a path with a space");
  t.equal(f.Comment, "two words", "two words, then two spaces before the next key");
  t.equal(f.StdErr, "/tmp/unit-helper-slurm/out-39.txt", "the key after them");
  t.equal(f.Power, "", "an empty value at the end");
  t.equal(f.UserId, "root(0)");
  t.equal(f["AllocNode:Sid"], "localhost:16626", "a key with a colon");
  t.equal(f["CPUs/Task"], "1", "a key with a slash");
  t.equal(f["ReqB:S:C:T"], "0:0:*:*");
  t.equal(f["NtasksPerN:B:S:C"], "0:0:*:*");
  t.equal(f["Socks/Node"], "*");
  t.equal(f.MCS_label, "N/A", "a key with an underscore");
  t.equal(f.TRES, "cpu=2,node=1,billing=2", "a value full of = signs");
  t.equal(f.Account, "(null)", "raw (null)");
  t.equal(f.ExitCode, "0:0");
  t.equal(f.StartTime, "2026-11-21T09:37:46");
  t.equal(f.Priority, "4294901722");
  t.equal(f.NumCPUs, "2");
  t.equal(f.Partition, "single");
  t.equal(f.BatchHost, "dn0");
  t.equal(f.StdOut, "/tmp/unit-helper-slurm/out-39.txt");
  t.equal(Object.keys(f).length, 61, "every field");
  t.equal(Object.keys(f)[0], "JobId", "in the order printed");
  t.equal(Object.keys(f).at(-1), "Power");
  t.end();
});

t.test("a held job and a cancelled one", (t) => {
  const held = parseJobRecord(HELD);
  t.equal(held.jobId, "38");
  t.equal(held.state, "PENDING");
  t.equal(held.reason, "JobHeldUser");
  t.equal(held.nodeList, "", "NodeList= is empty while pending");
  t.equal(held.fields.NumNodes, "1", "the field after the empty one");
  t.equal(held.numTasks, 1);
  t.equal(held.fields.JobName, "q x");
  t.equal(held.fields.Command, "(null)");
  t.equal(held.fields.TRES, "cpu=1,mem=1G,node=1,billing=1");
  t.equal(held.fields.Comment, "a");
  const cancelled = parseJobRecord(CANCELLED);
  t.equal(cancelled.state, "CANCELLED");
  t.equal(cancelled.reason, "None");
  t.equal(cancelled.nodeList, "dn1");
  t.equal(cancelled.fields.ExitCode, "0:15");
  t.equal(cancelled.fields.Comment, undefined, "no Comment field at all");
  t.end();
});

t.test("the function's example", (t) => {
  const job = parseJobRecord("JobId=7 JobName=x JobState=PENDING Reason=Resources NodeList=(null) NumTasks=4");
  t.same(job, {
    jobId: "7",
    state: "PENDING",
    reason: "Resources",
    nodeList: "(null)",
    numTasks: 4,
    fields: { JobId: "7", JobName: "x", JobState: "PENDING", Reason: "Resources", NodeList: "(null)", NumTasks: "4" },
  });
  t.end();
});

t.test("values with spaces", (t) => {
  const job = parseJobRecord(
    "JobId=8 JobName=my job Command=/path/with space/x.sh Comment=two words WorkDir=/home/u/my dir JobState=RUNNING NodeList=dn[1-2]",
  );
  t.equal(job.fields.JobName, "my job");
  t.equal(job.fields.Command, "/path/with space/x.sh");
  t.equal(job.fields.Comment, "two words");
  t.equal(job.fields.WorkDir, "/home/u/my dir");
  t.equal(job.state, "RUNNING");
  t.equal(job.nodeList, "dn[1-2]");
  t.equal(parseJobRecord("JobId=8 Comment=a  b   c JobState=X").fields.Comment, "a  b   c", "inner runs of spaces kept");
  t.equal(parseJobRecord("JobId=8 Comment=trailing   ").fields.Comment, "trailing", "trailing spaces at the end of the line dropped");
  t.equal(parseJobRecord("JobId=8 Comment=ends with 1+1 JobState=X").fields.Comment, "ends with 1+1");
  t.equal(parseJobRecord("JobId=8 Comment=a\tb JobState=X").fields.Comment, "a\tb", "a tab inside a value");
  t.end();
});

t.test("NodeList=(null) and friends: raw values", (t) => {
  const job = parseJobRecord("JobId=9 JobState=PENDING Reason=Priority NodeList=(null) NumTasks=1");
  t.equal(job.nodeList, "(null)", "as scontrol prints it; the caller only reads it once the job runs");
  t.equal(job.reason, "Priority");
  t.end();
});

t.test("missing fields: defaults", (t) => {
  t.same(
    parseJobRecord(""),
    { jobId: "", state: "UNKNOWN", reason: "None", nodeList: "", numTasks: undefined, fields: {} },
    "an empty line",
  );
  const job = parseJobRecord("JobId=10 JobState=RUNNING NodeList=dn1");
  t.equal(job.numTasks, undefined, "NumTasks missing");
  t.equal(job.reason, "None", "Reason missing");
  t.equal(parseJobRecord("JobId=10").state, "UNKNOWN", "JobState missing");
  t.equal(parseJobRecord("JobName=x").jobId, "", "JobId missing");
  t.equal(parseJobRecord("no fields here").jobId, "");
  t.same(parseJobRecord("no fields here").fields, {});
  t.end();
});

t.test("NumTasks: a positive integer or undefined", (t) => {
  const tasks = (v: string): number | undefined => parseJobRecord(`JobId=1 NumTasks=${v} JobState=RUNNING`).numTasks;
  t.equal(tasks("1"), 1);
  t.equal(tasks("64"), 64);
  t.equal(tasks("0"), undefined);
  t.equal(tasks(""), undefined, "empty");
  t.equal(tasks("N/A"), undefined);
  t.equal(tasks("(null)"), undefined);
  t.equal(tasks("1.5"), undefined);
  t.equal(tasks("-2"), undefined);
  t.equal(tasks("2-4"), undefined);
  t.equal(parseJobRecord("JobId=1 NumTasks=3").numTasks, 3, "at the end of the line");
  t.end();
});

t.test("keys: a key is only a word right after whitespace", (t) => {
  const job = parseJobRecord("JobId=11 StdOut=/x/a=b.out JobState=RUNNING");
  t.equal(job.fields.StdOut, "/x/a=b.out", "an = inside a value without a space before it");
  t.equal(job.state, "RUNNING");
  t.equal(parseJobRecord("  JobId=12   JobState=RUNNING  ").jobId, "12", "leading and trailing spaces");
  t.equal(parseJobRecord("  JobId=12   JobState=RUNNING  ").state, "RUNNING");
  t.equal(parseJobRecord("JobId=13 JobState=RUNNING\n").state, "RUNNING", "the trailing newline is not part of the value");
  t.equal(parseJobRecord("JobId=14\tJobState=RUNNING").state, "RUNNING", "tab-separated");
  t.same(Object.keys(parseJobRecord("JobId=15 A=1 A=2").fields), ["JobId", "A"]);
  t.equal(parseJobRecord("JobId=15 A=1 A=2").fields.A, "2", "a repeated key: the last wins");
  t.end();
});
