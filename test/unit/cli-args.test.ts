// splitAtScript: which words of a command line are the CLI's and which the script's. `run`:
// everything after the script is the script's (a `--` right after it is dropped); `slurm
// submit`: the script's arguments follow `--`. Other commands: all words are the CLI's.
import t from "tap";
import { splitAtScript } from "../../src/cli/main.ts";

/** splitAtScript(argv), as [ours, the script's]. */
const split = (...argv: string[]): [string[], string[]] => {
  const { ours, scriptArgsGiven } = splitAtScript(argv);
  return [ours, scriptArgsGiven];
};

t.test("run: the script's arguments are everything after it", async (t) => {
  t.same(split("run", "job.ts"), [["run", "job.ts"], []], "no arguments");
  t.same(
    split("run", "job.ts", "--size", "10", "-x"),
    [["run", "job.ts"], ["--size", "10", "-x"]],
    "options after the script are the script's",
  );
  t.same(split("run", "-p", "2", "-t", "3", "job.ts", "--size", "10", "-x"), [["run", "-p", "2", "-t", "3", "job.ts"], [
    "--size",
    "10",
    "-x",
  ]], "-p 2 -t 3 before it are ours");
  t.same(
    split("run", "job.ts", "-p", "4", "--verbose", "--help"),
    [["run", "job.ts"], ["-p", "4", "--verbose", "--help"]],
    "even our own flag names, after the script",
  );
  t.same(split("run", "job.ts", "a", "b", "c"), [["run", "job.ts"], ["a", "b", "c"]], "plain words");
  t.same(split("run", "job.ts", "", "x y"), [["run", "job.ts"], ["", "x y"]], "an empty word and one with a space, untouched");
});

t.test("run: options that take a value skip it, so the value is not taken for the script", async (t) => {
  const values: Array<[string, string]> = [
    ["-p", "2"],
    ["--procs", "2"],
    ["-t", "3"],
    ["--threads", "3"],
    ["--runtime", "deno"],
    ["--topology", "master_worker"],
    ["--timeout", "5"],
    ["--manager", "threads"],
    ["--machine-file", "hosts.txt"],
  ];
  for (const [flag, value] of values) {
    t.same(split("run", flag, value, "job.ts", "arg"), [["run", flag, value, "job.ts"], ["arg"]], `${flag} ${value}`);
  }
  t.same(split("run", "--timeout=5", "job.ts", "a"), [["run", "--timeout=5", "job.ts"], ["a"]], "--timeout=5: one word");
  t.same(
    split("run", "--runtime=bun", "-p", "1", "job.ts", "a"),
    [["run", "--runtime=bun", "-p", "1", "job.ts"], ["a"]],
    "--runtime=bun then -p 1",
  );
  t.same(split("run", "-p2", "job.ts", "a"), [["run", "-p2", "job.ts"], ["a"]], "-p2: one word");
  t.same(
    split("run", "--slurm", "job.ts", "-p", "3"),
    [["run", "--slurm", "job.ts"], ["-p", "3"]],
    "--slurm takes no value: the next word is the script",
  );
  t.same(
    split("run", "--verbose", "job.ts", "--verbose"),
    [["run", "--verbose", "job.ts"], ["--verbose"]],
    "--verbose before is ours, after is the script's",
  );
});

t.test("run: `--`", async (t) => {
  t.same(split("run", "job.ts", "--", "--size", "3"), [["run", "job.ts"], ["--size", "3"]], "a `--` right after the script is dropped");
  t.same(split("run", "-p", "2", "job.ts", "--"), [["run", "-p", "2", "job.ts"], []], "a `--` alone after the script");
  t.same(split("run", "job.ts", "a", "--", "b"), [["run", "job.ts"], ["a", "--", "b"]], "a later `--` is the script's");
  t.same(split("run", "job.ts", "--", "--"), [["run", "job.ts"], ["--"]], "only the first `--` is dropped");
  t.same(
    split("run", "-p", "2", "--", "job.ts", "a"),
    [["run", "-p", "2", "job.ts"], ["a"]],
    "a `--` before the script: the script is the word after it",
  );
  t.same(split("run", "--", "--job.ts", "-x"), [["run", "--job.ts"], ["-x"]], "even a script whose name starts with -");
});

t.test("run: no script", async (t) => {
  t.same(split("run"), [["run"], []]);
  t.same(split("run", "-p", "2"), [["run", "-p", "2"], []], "-p 2 and nothing after");
  t.same(split("run", "-p"), [["run", "-p"], []], "-p without its value");
  t.same(split("run", "--help"), [["run", "--help"], []]);
  t.same(split("run", "-"), [["run", "-"], []], "- is a word (stdin), taken as the script");
});

t.test("slurm submit: the script's arguments follow `--`", async (t) => {
  t.same(
    split(
      "slurm",
      "submit",
      "job.ts",
      "--nodes",
      "2",
      "--ntasks-per-node",
      "2",
      "--time",
      "00:10:00",
      "--job-name",
      "my job",
      "--dry-run",
      "--",
      "--size",
      "3",
    ),
    [["slurm", "submit", "job.ts", "--nodes", "2", "--ntasks-per-node", "2", "--time", "00:10:00", "--job-name", "my job", "--dry-run"], [
      "--size",
      "3",
    ]],
  );
  t.same(
    split("slurm", "submit", "job.ts", "-N", "2"),
    [["slurm", "submit", "job.ts", "-N", "2"], []],
    "no `--`: every word is ours (options may follow the script)",
  );
  t.same(
    split("slurm", "submit", "job.ts", "--", "a", "--", "b"),
    [["slurm", "submit", "job.ts"], ["a", "--", "b"]],
    "the first `--` splits",
  );
  t.same(split("slurm", "submit", "job.ts", "--"), [["slurm", "submit", "job.ts"], []], "a `--` with nothing after");
  t.same(split("slurm", "submit", "--help"), [["slurm", "submit", "--help"], []]);
});

t.test("spmd <script> args: everything after the script is the script's, as for run", async (t) => {
  t.same(split("spmd", "-n", "4", "job.ts", "-n", "2"), [["spmd", "-n", "4", "job.ts"], ["-n", "2"]]);
  t.same(split("spmd", "--np", "4", "--runtime", "bun", "job.ts", "x"), [["spmd", "--np", "4", "--runtime", "bun", "job.ts"], ["x"]]);
});

t.test("other commands: every word is ours", async (t) => {
  t.same(split(), [[], []], "nothing");
  t.same(split("info", "--json"), [["info", "--json"], []]);
  t.same(split("--help"), [["--help"], []]);
  t.same(split("--version"), [["--version"], []]);
  t.same(split("slurm", "job.ts", "--", "x"), [["slurm", "job.ts", "--", "x"], []], "slurm without submit");
  t.same(split("-p", "2", "run", "job.ts", "x"), [["-p", "2", "run", "job.ts", "x"], []], "run not first: not split");
});

t.test("the input is not changed", async (t) => {
  const argv = ["run", "-p", "2", "job.ts", "--", "a"];
  const copy = [...argv];
  const { ours, scriptArgsGiven } = splitAtScript(argv);
  t.same(argv, copy);
  ours.push("x");
  scriptArgsGiven.push("y");
  t.same(argv, copy, "the results are copies");
});
