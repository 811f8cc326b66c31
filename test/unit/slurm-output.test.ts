import t from "tap";
import { expandRanges, parseLabelledLine, parseTaskReport, WORKER_EXIT_LINE } from "../../managers/slurm/output.ts";

// srun's own lines, as srun 22.05 printed them on the test cluster (none carries a task label).
const SRUN_CHATTER = [
  "srun: error: dn1: task 1: Killed",
  "srun: error: dn1: task 2: Exited with exit code 3",
  "srun: error: dn0: tasks 2,4: Exited with exit code 3",
  "srun: Force Terminated StepId=19.0",
  "srun: job 19 queued and waiting for resources",
  "srun: job 19 has been allocated resources",
  "srun: Job step aborted: Waiting up to 32 seconds for job step to finish.",
  "srun: Jobstep 19.0 has been terminated",
];

t.test("parseLabelledLine: labels as srun --label writes them", (t) => {
  t.same(parseLabelledLine("0: got cookie123"), { task: 0, text: "got cookie123" });
  t.same(parseLabelledLine("1: hello"), { task: 1, text: "hello" });
  t.same(parseLabelledLine("12: x"), { task: 12, text: "x" });
  t.same(parseLabelledLine(" 3: x"), { task: 3, text: "x" }, "padded to two digits (10 or more tasks)");
  t.same(parseLabelledLine(" 0: a: b"), { task: 0, text: "a: b" }, "padded, from a real 11-task step");
  t.same(parseLabelledLine("  7: y"), { task: 7, text: "y" }, "padded to three digits (100 or more tasks)");
  t.same(parseLabelledLine("10: "), { task: 10, text: "" }, "an empty line of a task");
  t.same(parseLabelledLine("4: "), { task: 4, text: "" });
  t.same(parseLabelledLine(" 4: "), { task: 4, text: "" });
  t.same(parseLabelledLine("4:"), { task: 4, text: "" }, "trailing space already stripped");
  t.same(parseLabelledLine("123456: z"), { task: 123456, text: "z" }, "many digits");
  t.same(parseLabelledLine("0: distributed_worker:4100#10.0.0.5"), { task: 0, text: "distributed_worker:4100#10.0.0.5" });
  t.same(
    parseLabelledLine(" 3: distributed_worker:4100#10.0.0.5"),
    { task: 3, text: "distributed_worker:4100#10.0.0.5" },
    "the module's example",
  );
  t.same(parseLabelledLine("12: hello"), { task: 12, text: "hello" }, "the function's example");
  t.end();
});

t.test("parseLabelledLine: the text is the task's, unchanged", (t) => {
  t.same(parseLabelledLine("2: key: value: more"), { task: 2, text: "key: value: more" }, "': ' later in the text");
  t.same(parseLabelledLine("2: 5: nested label"), { task: 2, text: "5: nested label" }, "a label-like text after the label");
  t.same(
    parseLabelledLine("2: srun: error: dn1: task 1: Killed"),
    { task: 2, text: "srun: error: dn1: task 1: Killed" },
    "a task that prints srun-like text",
  );
  t.same(parseLabelledLine("2:  two spaces"), { task: 2, text: " two spaces" }, "only the separator's space goes");
  t.same(parseLabelledLine("2: \tindented"), { task: 2, text: "\tindented" });
  t.same(parseLabelledLine("2: trailing  "), { task: 2, text: "trailing  " }, "trailing spaces kept");
  t.same(parseLabelledLine("2: a\nb"), { task: 2, text: "a\nb" }, "a line break inside is kept");
  t.same(parseLabelledLine("2: \r"), { task: 2, text: "\r" }, "a carriage return is text");
  t.same(parseLabelledLine("2: 日本語 🎉"), { task: 2, text: "日本語 🎉" });
  t.same(parseLabelledLine("2:x"), { task: 2, text: "x" }, "no space after the colon");
  t.same(parseLabelledLine("007: x"), { task: 7, text: "x" }, "leading zeros");
  t.end();
});

t.test("parseLabelledLine: null for lines without a label", (t) => {
  for (const line of SRUN_CHATTER) t.equal(parseLabelledLine(line), null, line);
  const others = [
    "",
    " ",
    ": x",
    " : x",
    "x: 1",
    "a1: x",
    "1 : x",
    "1x: y",
    "-1: x",
    "1.5: x",
    "\t1: x",
    "1",
    "12",
    "srun: job 5 queued",
    "distributed_worker:4100#10.0.0.5",
    "Welcome to the cluster!",
    "module: command not found",
  ];
  for (const line of others) t.equal(parseLabelledLine(line), null, JSON.stringify(line));
  t.end();
});

t.test("parseTaskReport: srun's reports of failed tasks", (t) => {
  t.same(parseTaskReport("srun: error: dn1: task 1: Killed"), { node: "dn1", tasks: [1], how: "Killed" });
  t.same(parseTaskReport("srun: error: dn1: task 2: Exited with exit code 3"), { node: "dn1", tasks: [2], how: "Exited with exit code 3" });
  t.same(parseTaskReport("srun: error: dn0: tasks 2,4: Exited with exit code 3"), {
    node: "dn0",
    tasks: [2, 4],
    how: "Exited with exit code 3",
  });
  t.same(
    parseTaskReport("srun: error: dn2: tasks 0-1,3: Killed"),
    { node: "dn2", tasks: [0, 1, 3], how: "Killed" },
    "the module's example",
  );
  t.same(parseTaskReport("srun: error: dn1: tasks 0-3: Terminated"), { node: "dn1", tasks: [0, 1, 2, 3], how: "Terminated" });
  t.same(parseTaskReport("srun: error: dn1: task 0: Out Of Memory"), { node: "dn1", tasks: [0], how: "Out Of Memory" });
  t.same(parseTaskReport("srun: error: gpu01.cluster.example.org: task 10: Killed"), {
    node: "gpu01.cluster.example.org",
    tasks: [10],
    how: "Killed",
  });
  t.same(parseTaskReport("srun: error: dn1: task 3: Exited with exit code 3: odd"), {
    node: "dn1",
    tasks: [3],
    how: "Exited with exit code 3: odd",
  }, "': ' in srun's words");
  t.same(
    parseTaskReport("  srun: error: dn1: task 1: Killed  \r"),
    { node: "dn1", tasks: [1], how: "Killed" },
    "whitespace around the line is ignored",
  );
  t.same(parseTaskReport("srun: error: dn1: task 1: Killed   "), { node: "dn1", tasks: [1], how: "Killed" }, "how is trimmed");
  t.same(parseTaskReport("srun: error: dn1: tasks 5: Killed"), { node: "dn1", tasks: [5], how: "Killed" }, "plural with one task");
  t.same(parseTaskReport("srun: error: dn1: task 1-2: Killed"), { node: "dn1", tasks: [1, 2], how: "Killed" }, "singular with a range");
  t.end();
});

t.test("parseTaskReport: null for any other line", (t) => {
  const lines = [
    "srun: Force Terminated StepId=19.0",
    "srun: job 19 queued and waiting for resources",
    "srun: job 19 has been allocated resources",
    "srun: Job step aborted: Waiting up to 32 seconds for job step to finish.",
    "srun: error: Unable to create step for job 19: Invalid generic resource (gres) specification",
    "srun: error: Timed out waiting for job step to complete",
    "srun: error: dn1: task : Killed",
    "srun: error: dn1: task x: Killed",
    "srun: error: dn1: task 3-1: Killed",
    "srun: error: dn1: task 1,,2: Killed",
    "srun: error: dn1: task 1,: Killed",
    "srun: error: dn1: task -1: Killed",
    "srun: error: dn1: task 1:",
    "srun: error: dn1: task 1: ",
    "srun: error: dn1: task 1 Killed",
    "srun: error: dn1 task 1: Killed",
    "srun: error:  dn1: task 1: Killed",
    "srun: warning: dn1: task 1: Killed",
    "srun: error: dn1: tasks  1: Killed",
    "0: srun: error: dn1: task 1: Killed",
    "error: dn1: task 1: Killed",
    "",
    "0: got cookie123",
  ];
  for (const line of lines) t.equal(parseTaskReport(line), null, JSON.stringify(line));
  t.end();
});

t.test("expandRanges", (t) => {
  t.same(expandRanges("0-2,5"), [0, 1, 2, 5], "the example");
  t.same(expandRanges("0"), [0]);
  t.same(expandRanges("7"), [7]);
  t.same(expandRanges("3-3"), [3]);
  t.same(expandRanges("1,3,2"), [1, 3, 2], "in the order written");
  t.same(expandRanges("1,1"), [1, 1], "duplicates kept");
  t.same(expandRanges("0-1,3,5-6"), [0, 1, 3, 5, 6]);
  t.same(expandRanges("007"), [7], "leading zeros");
  t.same(expandRanges("8-11"), [8, 9, 10, 11]);
  const big = expandRanges("0-1000000");
  t.equal(big?.length, 1_000_001, "a million and one: the largest span allowed");
  t.equal(big?.[1_000_000], 1_000_000);
  t.equal(expandRanges("0-1000001"), null, "a larger span is refused, not allocated");
  t.equal(expandRanges("5-1000006"), null);
  t.equal(expandRanges("5-1000005")?.length, 1_000_001);
  for (
    const bad of [
      "",
      " ",
      ",",
      "1,",
      ",1",
      "1,,2",
      "3-1",
      "-1",
      "1-",
      "1--2",
      "1-2-3",
      "a",
      "1a",
      "1.5",
      " 1",
      "1 ",
      "1, 2",
      "+1",
      "0x1",
      "1;2",
    ]
  ) {
    t.equal(expandRanges(bad), null, JSON.stringify(bad));
  }
  t.end();
});

t.test("WORKER_EXIT_LINE", (t) => {
  t.equal(WORKER_EXIT_LINE.exec("distributed_worker_exit 0")?.[1], "0");
  t.equal(WORKER_EXIT_LINE.exec("distributed_worker_exit 3")?.[1], "3");
  t.equal(WORKER_EXIT_LINE.exec("distributed_worker_exit 255")?.[1], "255");
  t.equal(WORKER_EXIT_LINE.exec("distributed_worker_exit -1")?.[1], "-1", "negative codes");
  t.equal(WORKER_EXIT_LINE.exec("distributed_worker_exit 137")?.[1], "137");
  const text = parseLabelledLine(" 4: distributed_worker_exit 2")?.text ?? "";
  t.equal(WORKER_EXIT_LINE.exec(text)?.[1], "2", "after the label is taken off");
  for (
    const line of [
      "",
      "distributed_worker_exit",
      "distributed_worker_exit ",
      "distributed_worker_exit x",
      "distributed_worker_exit 1.5",
      "distributed_worker_exit 1 2",
      "distributed_worker_exit 0 ",
      " distributed_worker_exit 0",
      "distributed_worker_exit  0",
      "distributed_worker_exit --1",
      "distributed_worker_exit +1",
      "distributed_worker_exit 0\n",
      "4: distributed_worker_exit 0",
      "x distributed_worker_exit 0",
      "distributed_worker_exited 0",
      "distributed_worker:4100#10.0.0.5",
    ]
  ) {
    t.equal(WORKER_EXIT_LINE.exec(line), null, JSON.stringify(line));
  }
  t.end();
});
