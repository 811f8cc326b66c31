import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import t from "tap";
import { type JobRequest, renderJobScript, sbatchLines, type ScriptParts } from "../../managers/slurm/script.ts";
import { caught, throwsExactly } from "../helpers/unit.ts";

/**
 * The arguments sbatch reads from one `#SBATCH` line: Slurm's _get_argument (src/sbatch/opt.c)
 * in TypeScript. Whitespace separates arguments, quotes group, a backslash escapes the next
 * character, and an unquoted # starts a comment.
 */
function sbatchArguments(line: string): string[] {
  if (!line.startsWith("#SBATCH")) throw new Error(`not an #SBATCH line: ${line}`);
  const text = line.slice("#SBATCH".length);
  const args: string[] = [];
  let at = 0;
  const space = (c: string | undefined): boolean => c !== undefined && /[ \t\n\v\f\r]/.test(c);
  for (;;) {
    while (space(text[at])) at++;
    if (at >= text.length) return args;
    let arg = "";
    let quote = "";
    let escaped = false;
    let comment = false;
    while (at < text.length && (quote !== "" || !space(text[at])) && text[at] !== "\n") {
      const c = text[at]!;
      if (escaped) escaped = false;
      else if (c === "\\") {
        escaped = true;
        at++;
        continue;
      } else if (quote !== "") {
        if (c === quote) {
          quote = "";
          at++;
          continue;
        }
      } else if (c === '"' || c === "'") {
        quote = c;
        at++;
        continue;
      } else if (c === "#") {
        comment = true;
        break;
      }
      arg += c;
      at++;
    }
    if (quote !== "") throw new Error(`sbatch: unmatched ${quote} in ${line}`);
    if (arg !== "") args.push(arg);
    if (comment) return args;
  }
}

t.test("the sbatch-argument reader used below agrees with sbatch on what the test cluster showed", (t) => {
  t.same(sbatchArguments("#SBATCH --nodes=2"), ["--nodes=2"]);
  t.same(sbatchArguments("#SBATCH --job-name=my job"), ["--job-name=my", "job"], 'sbatch: "Invalid directive found in batch script: job"');
  t.same(sbatchArguments("#SBATCH --comment=a#b"), ["--comment=a"], "scontrol then showed Comment=a");
  t.same(sbatchArguments('#SBATCH --job-name="q x"'), ["--job-name=q x"], "scontrol then showed JobName=q x");
  t.same(
    sbatchArguments("#SBATCH --job-name=a\\ b"),
    ["--job-name=a", "b"],
    'a backslash does not protect a space: sbatch: "Invalid directive found in batch script: b"',
  );
  t.same(sbatchArguments("#SBATCH --job-name=p\\#q"), ["--job-name=p#q"], "it does protect a #: JobName=p#q");
  t.same(sbatchArguments('#SBATCH --comment="x\\"y # z"'), ['--comment=x"y # z'], 'quoted, with an escaped quote: Comment=x"y # z');
  t.throws(() => sbatchArguments("#SBATCH --job-name=it's"), /unmatched '/, "an unmatched quote is fatal for sbatch");
  t.end();
});

t.test("sbatchLines: every option's flag", (t) => {
  const one: [JobRequest, string][] = [
    [{ nodes: 2 }, "#SBATCH --nodes=2"],
    [{ nodes: "2-4" }, "#SBATCH --nodes=2-4"],
    [{ nodes: "3" }, "#SBATCH --nodes=3"],
    [{ ntasks: 8 }, "#SBATCH --ntasks=8"],
    [{ ntasksPerNode: 4 }, "#SBATCH --ntasks-per-node=4"],
    [{ cpusPerTask: 2 }, "#SBATCH --cpus-per-task=2"],
    [{ time: "00:30:00" }, "#SBATCH --time=00:30:00"],
    [{ time: "1-00:00:00" }, "#SBATCH --time=1-00:00:00"],
    [{ partition: "debug" }, "#SBATCH --partition=debug"],
    [{ account: "proj42" }, "#SBATCH --account=proj42"],
    [{ qos: "normal" }, "#SBATCH --qos=normal"],
    [{ mem: "4G" }, "#SBATCH --mem=4G"],
    [{ memPerCpu: "2000M" }, "#SBATCH --mem-per-cpu=2000M"],
    [{ constraint: "intel&ib" }, "#SBATCH --constraint=intel&ib"],
    [{ gres: "gpu:1" }, "#SBATCH --gres=gpu:1"],
    [{ jobName: "distributed" }, "#SBATCH --job-name=distributed"],
    [{ output: "distributed-%j.out" }, "#SBATCH --output=distributed-%j.out"],
    [{ exclusive: true }, "#SBATCH --exclusive"],
    [{ sbatchFlags: ["--mail-type=END"] }, "#SBATCH --mail-type=END"],
  ];
  for (const [request, line] of one) t.same(sbatchLines(request), [line], JSON.stringify(request));
  t.end();
});

t.test("sbatchLines: the module's example, nothing, and defaults", (t) => {
  t.same(sbatchLines({ nodes: 2, ntasksPerNode: 4, time: "00:30:00", partition: "debug" }), [
    "#SBATCH --nodes=2",
    "#SBATCH --ntasks-per-node=4",
    "#SBATCH --time=00:30:00",
    "#SBATCH --partition=debug",
  ]);
  t.same(sbatchLines({}), [], "no options, no lines (sbatch's and the site's defaults apply)");
  t.same(sbatchLines({ nodes: undefined, time: undefined, exclusive: undefined, sbatchFlags: undefined }), [], "undefined is absent");
  t.same(sbatchLines({ exclusive: false }), [], "exclusive: false adds nothing");
  t.same(sbatchLines({ sbatchFlags: [] }), []);
  t.end();
});

t.test("sbatchLines: a fixed order, whatever the order of the keys", (t) => {
  const all: JobRequest = {
    sbatchFlags: ["--mail-type=END", "--reservation=training"],
    exclusive: true,
    output: "out-%j.txt",
    jobName: "job",
    gres: "gpu:2",
    constraint: "ib",
    memPerCpu: "1G",
    mem: "8G",
    qos: "high",
    account: "acct",
    partition: "batch",
    time: "10",
    cpusPerTask: 3,
    ntasksPerNode: 2,
    ntasks: 4,
    nodes: "1-2",
  };
  const wanted = [
    "#SBATCH --nodes=1-2",
    "#SBATCH --ntasks=4",
    "#SBATCH --ntasks-per-node=2",
    "#SBATCH --cpus-per-task=3",
    "#SBATCH --time=10",
    "#SBATCH --partition=batch",
    "#SBATCH --account=acct",
    "#SBATCH --qos=high",
    "#SBATCH --mem=8G",
    "#SBATCH --mem-per-cpu=1G",
    "#SBATCH --constraint=ib",
    "#SBATCH --gres=gpu:2",
    "#SBATCH --job-name=job",
    "#SBATCH --output=out-%j.txt",
    "#SBATCH --exclusive",
    "#SBATCH --mail-type=END",
    "#SBATCH --reservation=training",
  ];
  t.same(sbatchLines(all), wanted);
  const reversed = Object.fromEntries(Object.entries(all).reverse()) as JobRequest;
  t.same(sbatchLines(reversed), wanted, "keys in the other order");
  t.end();
});

t.test("sbatchLines: sbatchFlags come last, in their order, one line each", (t) => {
  t.same(sbatchLines({ time: "5", sbatchFlags: ["--mail-type=END", "-A", "--begin=now+1hour", "--requeue"] }), [
    "#SBATCH --time=5",
    "#SBATCH --mail-type=END",
    "#SBATCH -A",
    "#SBATCH --begin=now+1hour",
    "#SBATCH --requeue",
  ]);
  t.same(
    sbatchLines({ exclusive: true, sbatchFlags: ["--exclusive=user"] }),
    ["#SBATCH --exclusive", "#SBATCH --exclusive=user"],
    "after --exclusive, so a flag of the user's wins",
  );
  t.same(sbatchLines({ sbatchFlags: ["-pdebug"] }), ["#SBATCH -pdebug"], "short options");
  t.end();
});

t.test("sbatchLines: counts must be positive integers", (t) => {
  for (const key of ["ntasks", "ntasksPerNode", "cpusPerTask"] as const) {
    for (
      const [value, shown] of [
        [0, "0"],
        [-1, "-1"],
        [1.5, "1.5"],
        ["4", '"4"'],
        [true, "true"],
        [null, "null"],
        [Number.NaN, "NaN"],
        [Number.POSITIVE_INFINITY, "Infinity"],
        [[2], "[2]"],
      ] as const
    ) {
      throwsExactly(
        t,
        () => sbatchLines({ [key]: value } as unknown as JobRequest),
        TypeError,
        `SlurmManager: option ${key} must be a positive integer, got ${shown}`,
      );
    }
    t.same(sbatchLines({ [key]: 1 }).length, 1, `${key}: 1 is fine`);
    t.same(sbatchLines({ [key]: 1024 }).length, 1, `${key}: 1024 is fine`);
  }
  t.end();
});

t.test("sbatchLines: nodes is a positive integer or a range", (t) => {
  for (
    const [value, shown] of [
      [0, "0"],
      [-2, "-2"],
      [1.5, "1.5"],
      ["0", '"0"'],
      ["", '""'],
      ["02", '"02"'],
      ["2-", '"2-"'],
      ["-4", '"-4"'],
      ["2-0", '"2-0"'],
      ["2-4-6", '"2-4-6"'],
      [" 2", '" 2"'],
      ["2 ", '"2 "'],
      ["2\n", '"2\\n"'],
      ["two", '"two"'],
      ["2,4", '"2,4"'],
    ] as const
  ) {
    throwsExactly(
      t,
      () => sbatchLines({ nodes: value }),
      TypeError,
      `SlurmManager: option nodes must be a positive integer or a range like "2-4", got ${shown}`,
    );
  }
  t.same(sbatchLines({ nodes: 1 }), ["#SBATCH --nodes=1"]);
  t.same(sbatchLines({ nodes: "10-20" }), ["#SBATCH --nodes=10-20"]);
  t.end();
});

t.test("sbatchLines: text options are one non-empty line", (t) => {
  const keys = ["time", "partition", "account", "qos", "mem", "memPerCpu", "constraint", "gres", "jobName", "output"] as const;
  for (const key of keys) {
    throwsExactly(t, () => sbatchLines({ [key]: "" }), TypeError, `SlurmManager: option ${key} must be a non-empty single line, got ""`);
    throwsExactly(
      t,
      () => sbatchLines({ [key]: "a\nb" }),
      TypeError,
      `SlurmManager: option ${key} must be a non-empty single line, got "a\\nb"`,
    );
    throwsExactly(
      t,
      () => sbatchLines({ [key]: "a\r" }),
      TypeError,
      `SlurmManager: option ${key} must be a non-empty single line, got "a\\r"`,
    );
    throwsExactly(
      t,
      () => sbatchLines({ [key]: "x\n#SBATCH --exclusive" }),
      TypeError,
      `SlurmManager: option ${key} must be a non-empty single line, got "x\\n#SBATCH --exclusive"`,
    );
  }
  t.end();
});

t.test("sbatchLines: the first bad option is the one named", (t) => {
  throwsExactly(t, () => sbatchLines({ time: "", ntasks: 0 }), TypeError, "SlurmManager: option ntasks must be a positive integer, got 0");
  throwsExactly(
    t,
    () => sbatchLines({ output: "", partition: "a\nb" }),
    TypeError,
    'SlurmManager: option partition must be a non-empty single line, got "a\\nb"',
  );
  t.end();
});

t.test("sbatchLines: exclusive is a boolean", (t) => {
  t.same(sbatchLines({ exclusive: true }), ["#SBATCH --exclusive"]);
  t.same(sbatchLines({ exclusive: false }), []);
  for (
    const [value, shown] of [
      ["yes", '"yes"'],
      [1, "1"],
      [0, "0"],
      [null, "null"],
      ["", '""'],
    ] as const
  ) {
    throwsExactly(
      t,
      () => sbatchLines({ exclusive: value } as unknown as JobRequest),
      TypeError,
      `SlurmManager: option exclusive must be a boolean, got ${shown}`,
    );
  }
  t.end();
});

t.test("sbatchLines: sbatchFlags is an array of options", (t) => {
  const message = 'SlurmManager: option sbatchFlags must be an array of sbatch options, one per element, e.g. ["--mail-type=END"]';
  for (
    const value of ["--mail-type=END", ["mail-type=END"], [""], ["--a", 3], [null], ["--a\n--b"], ["--a\r"], ["-x", "y"], {
      0: "--a",
      length: 1,
    }, 7]
  ) {
    throwsExactly(t, () => sbatchLines({ sbatchFlags: value } as unknown as JobRequest), TypeError, message);
  }
  t.end();
});

t.test("sbatchLines: every line is one #SBATCH directive that sbatch reads back as written", (t) => {
  const request: JobRequest = {
    nodes: "2-4",
    ntasks: 8,
    ntasksPerNode: 4,
    cpusPerTask: 2,
    time: "1-00:00:00",
    partition: "debug",
    account: "proj_42",
    qos: "normal",
    mem: "4G",
    memPerCpu: "1G",
    constraint: "[rack1|rack2]&ib",
    gres: "gpu:tesla:2",
    jobName: "distributed",
    output: "/scratch/u/distributed-%j.out",
    exclusive: true,
    sbatchFlags: ["--mail-type=END,FAIL", "--reservation=training"],
  };
  const lines = sbatchLines(request);
  t.equal(lines.length, 17);
  for (const line of lines) {
    t.match(line, /^#SBATCH -\S*$/, `${line}: one word after #SBATCH`);
    t.equal(sbatchArguments(line).length, 1, `${line}: one argument for sbatch`);
  }
  t.end();
});

// A value sbatch would split (a space), cut (an unquoted #) or unquote (quotes, backslashes) is
// not "one sbatch argument": sbatchLines must refuse it (a TypeError naming the option) or
// write it so that sbatch reads back exactly the value given.
t.test("sbatchLines: values sbatch would split, cut or unquote are refused or quoted", (t) => {
  const values = ["my job", "/scratch/my runs/out-%j.txt", "a\tb", "run#1.out", '"quoted"', "it's", "a\\b"];
  /** How sbatch would misread the value, or undefined when it is refused or read back as given. */
  const misread = (request: JobRequest, key: string, wanted: string): string | undefined => {
    let lines: string[] = [];
    const err = caught(() => (lines = sbatchLines(request)));
    if (err !== undefined) return err instanceof TypeError && err.message.includes(`option ${key}`) ? undefined : `threw ${String(err)}`;
    let args: string[] = [];
    const bad = caught(() => (args = lines.length === 1 ? sbatchArguments(lines[0]!) : []));
    if (bad !== undefined) return `${JSON.stringify(lines)}: ${(bad as Error).message}`;
    return args.length === 1 && args[0] === wanted ? undefined : `${JSON.stringify(lines)} reads as ${JSON.stringify(args)}`;
  };
  const options: [keyof JobRequest, string][] = [
    ["jobName", "--job-name"],
    ["output", "--output"],
    ["partition", "--partition"],
    ["constraint", "--constraint"],
  ];
  for (const [key, flag] of options) {
    const wrong = values.flatMap((v) => misread({ [key]: v }, key, `${flag}=${v}`) ?? []);
    t.same(wrong, [], `${key}: every such value refused or read back as given`);
  }
  const flags = ["--comment=two words", "--comment=a#b"];
  t.same(
    flags.flatMap((f) => misread({ sbatchFlags: [f] }, "sbatchFlags", f) ?? []),
    [],
    "sbatchFlags: the same, one element, one argument",
  );
  t.end();
});

const PARTS: ScriptParts = {
  sbatch: ["#SBATCH --nodes=2", "#SBATCH --time=5"],
  prologue: "module load bun",
  epilogue: "echo bye",
  attachTimeout: 120,
};
const KNOWN = "known: {{sbatch}}, {{prologue}}, {{epilogue}}, {{attach_timeout}}";

t.test("renderJobScript: placeholders are replaced", (t) => {
  const template = "#!/bin/sh\n{{sbatch}}\n{{prologue}}\nsleep {{attach_timeout}}\n{{epilogue}}\n";
  t.equal(renderJobScript(template, PARTS), "#!/bin/sh\n#SBATCH --nodes=2\n#SBATCH --time=5\nmodule load bun\nsleep 120\necho bye\n");
  t.equal(
    renderJobScript("#!/bin/sh\n{{ sbatch }}\n{{  attach_timeout\t}}", PARTS),
    "#!/bin/sh\n#SBATCH --nodes=2\n#SBATCH --time=5\n120",
    "spaces inside the braces",
  );
  t.equal(
    renderJobScript("#!/bin/sh\n{{sbatch}}\necho {{attach_timeout}} {{attach_timeout}}", PARTS),
    "#!/bin/sh\n#SBATCH --nodes=2\n#SBATCH --time=5\necho 120 120",
    "several on one line",
  );
  t.equal(
    renderJobScript("#!/bin/sh\n{{sbatch}}\n{{sbatch}}", { ...PARTS, sbatch: ["#SBATCH -N1"] }),
    "#!/bin/sh\n#SBATCH -N1\n#SBATCH -N1",
    "the same one twice",
  );
  t.equal(renderJobScript("#!/bin/sh\n{{sbatch}}\nx", { ...PARTS, sbatch: [] }), "#!/bin/sh\n\nx", "no #SBATCH lines: an empty line");
  t.equal(
    renderJobScript("#!/bin/sh\n  {{sbatch}}", { ...PARTS, sbatch: ["#SBATCH -N1"] }),
    "#!/bin/sh\n  #SBATCH -N1",
    "an indented placeholder is not a comment line",
  );
  t.equal(renderJobScript("#!/bin/bash -l\n{{sbatch}}", { ...PARTS, sbatch: [] }), "#!/bin/bash -l\n", "any #! line");
  t.end();
});

t.test("renderJobScript: values are inserted verbatim", (t) => {
  const template = "#!/bin/sh\n{{sbatch}}\n{{prologue}}\n{{epilogue}}";
  const prologue = "echo $& $1 $$ $` $' \\n {{epilogue}}";
  const out = renderJobScript(template, { ...PARTS, sbatch: [], prologue, epilogue: "module purge\nmodule load bun/1.1\n" });
  t.equal(
    out,
    `#!/bin/sh\n\n${prologue}\nmodule purge\nmodule load bun/1.1\n`,
    "no $-patterns, no second round of placeholders, several lines",
  );
  t.equal(
    renderJobScript(template, { ...PARTS, prologue: "", epilogue: "" }),
    "#!/bin/sh\n#SBATCH --nodes=2\n#SBATCH --time=5\n\n",
    "empty prologue and epilogue",
  );
  t.end();
});

t.test("renderJobScript: attach_timeout is whole seconds, rounded up", (t) => {
  const render = (s: number): string =>
    renderJobScript("#!/bin/sh\n{{sbatch}}\n{{attach_timeout}}", { ...PARTS, sbatch: [], attachTimeout: s }).split("\n")[2]!;
  t.equal(render(120), "120");
  t.equal(render(120.2), "121");
  t.equal(render(0.001), "1");
  t.equal(render(1), "1");
  t.equal(render(86400), "86400");
  t.end();
});

t.test("renderJobScript: comment lines are left alone", (t) => {
  const template = [
    "#!/bin/sh",
    "# {{sbatch}} {{prologue}} {{epilogue}} {{attach_timeout}}",
    "   # indented: {{attach_timeout}}",
    "\t# tab: {{sbatch}}",
    "# an unknown one in a comment is fine: {{nope}}",
    "#SBATCH --time={{attach_timeout}}",
    "{{sbatch}}",
    "echo {{attach_timeout}} # trailing {{attach_timeout}}",
  ].join("\n");
  const out = renderJobScript(template, PARTS).split("\n");
  t.same(out.slice(0, 6), template.split("\n").slice(0, 6), "every comment line as it was, placeholders and all");
  t.same(
    out.slice(6),
    ["#SBATCH --nodes=2", "#SBATCH --time=5", "echo 120 # trailing 120"],
    "a line that starts with a command is not a comment line, even with a # later",
  );
  t.end();
});

t.test("renderJobScript: the template must start with #!", (t) => {
  for (
    const template of [
      "",
      "{{sbatch}}",
      "\n#!/bin/sh\n{{sbatch}}",
      " #!/bin/sh\n{{sbatch}}",
      "\uFEFF#!/bin/sh\n{{sbatch}}",
      "# !/bin/sh\n{{sbatch}}",
      "#SBATCH -N1\n{{sbatch}}",
    ]
  ) {
    throwsExactly(
      t,
      () => renderJobScript(template, PARTS),
      TypeError,
      "the job-script template must start with a #! line (e.g. #!/bin/sh), as sbatch requires",
    );
  }
  throwsExactly(
    t,
    () => renderJobScript("echo", PARTS, "/home/u/my.sbatch"),
    TypeError,
    "/home/u/my.sbatch must start with a #! line (e.g. #!/bin/sh), as sbatch requires",
  );
  throwsExactly(
    t,
    () => renderJobScript("echo {{nope}}", PARTS),
    TypeError,
    "the job-script template must start with a #! line (e.g. #!/bin/sh), as sbatch requires",
  );
  t.end();
});

t.test("renderJobScript: {{sbatch}} must be there, outside comments", (t) => {
  const message = "the job-script template has no {{sbatch}} placeholder (outside comments): the job's options would be lost";
  for (
    const template of [
      "#!/bin/sh",
      "#!/bin/sh\n",
      "#!/bin/sh\n# {{sbatch}}\necho",
      "#!/bin/sh {{sbatch}}",
      "#!/bin/sh\n  # {{sbatch}}",
      "#!/bin/sh\n{{SBATCH}}",
      "#!/bin/sh\n{sbatch}",
      "#!/bin/sh\n{{prologue}}\n{{epilogue}}",
    ]
  ) {
    throwsExactly(t, () => renderJobScript(template, PARTS), TypeError, message);
  }
  throwsExactly(t, () => renderJobScript("#!/bin/sh\necho {{nope}}", PARTS), TypeError, message);
  throwsExactly(
    t,
    () => renderJobScript("#!/bin/sh\n", PARTS, "site.sbatch"),
    TypeError,
    "site.sbatch has no {{sbatch}} placeholder (outside comments): the job's options would be lost",
  );
  t.equal(
    renderJobScript("#!/bin/sh\necho x {{sbatch}}", { ...PARTS, sbatch: [] }),
    "#!/bin/sh\necho x ",
    "anywhere on a line that is not a comment",
  );
  t.end();
});

t.test("renderJobScript: an unknown placeholder is an error naming it", (t) => {
  throwsExactly(
    t,
    () => renderJobScript("#!/bin/sh\n{{sbatch}}\n{{nope}}", PARTS),
    TypeError,
    `the job-script template has an unknown placeholder {{nope}}; ${KNOWN}`,
  );
  throwsExactly(
    t,
    () => renderJobScript("#!/bin/sh\n{{sbatch}}\necho {{ time }}", PARTS),
    TypeError,
    `the job-script template has an unknown placeholder {{ time }}; ${KNOWN}`,
  );
  throwsExactly(
    t,
    () => renderJobScript("#!/bin/sh\n{{nodes}}\n{{sbatch}}", PARTS),
    TypeError,
    `the job-script template has an unknown placeholder {{nodes}}; ${KNOWN}`,
  );
  throwsExactly(
    t,
    () => renderJobScript("#!/bin/sh\n{{sbatch}}\n{{job_name}}", PARTS, "mine.sh"),
    TypeError,
    `mine.sh has an unknown placeholder {{job_name}}; ${KNOWN}`,
  );
  t.end();
});

/** The repository's own template, from the source tree (tsx) or from dist/ (compiled tests). */
function realTemplatePath(): string {
  const candidates = [
    new URL("../../../slurm/templates/job.sbatch", import.meta.url),
    new URL("../../slurm/templates/job.sbatch", import.meta.url),
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`slurm/templates/job.sbatch not found at ${candidates.join(" or ")}`);
  return found;
}

/** True when `sh -n` (parse, do not run) accepts the script. */
function shellAccepts(script: string): string | true {
  try {
    execFileSync("sh", ["-n"], { input: script, stdio: ["pipe", "pipe", "pipe"] });
    return true;
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? err);
  }
}

t.test("the repository's template slurm/templates/job.sbatch renders to a script sh accepts", (t) => {
  const path = realTemplatePath();
  const template = readFileSync(path, "utf8");
  t.ok(template.startsWith("#!/bin/sh\n"), "a #!/bin/sh script");
  const sbatch = sbatchLines({
    jobName: "distributed",
    output: "distributed-%j.out",
    nodes: 2,
    ntasksPerNode: 4,
    time: "00:30:00",
    partition: "debug",
    exclusive: true,
    sbatchFlags: ["--mail-type=END"],
  });
  const script = renderJobScript(template, {
    sbatch,
    prologue: "module load bun\nexport OMP_NUM_THREADS=1",
    epilogue: "echo done",
    attachTimeout: 90.5,
  }, "slurm/templates/job.sbatch");
  const lines = script.split("\n");
  const isComment = (l: string): boolean => l.trimStart().startsWith("#");

  t.ok(script.startsWith("#!/bin/sh\n"), "still starts with #!");
  for (const s of sbatch) t.equal(lines.filter((l) => l === s).length, 1, `${s}: once, on a line of its own`);
  const firstCommand = lines.findIndex((l) => l.trim() !== "" && !isComment(l));
  const lastSbatch = Math.max(...sbatch.map((s) => lines.indexOf(s)));
  t.ok(lastSbatch < firstCommand, "every #SBATCH line comes before the first command (sbatch stops reading them there)");
  t.ok(lines.includes("module load bun") && lines.includes("export OMP_NUM_THREADS=1"), "the prologue, line by line");
  t.ok(lines.includes("echo done"), "the epilogue");
  t.ok(lines.indexOf("module load bun") < lines.findIndex((l) => l.startsWith("while")), "the prologue before the waiting loop");
  t.ok(lines.indexOf("echo done") > lines.findIndex((l) => l.startsWith("done")), "the epilogue after it");
  t.ok(lines.includes("attach_by=$(( $(date +%s) + 91 ))"), "attach_timeout, rounded up, in the arithmetic");
  t.match(script, "no workers started within 91 s; ending the job", "and in the message");
  const outside = lines.filter((l) => !isComment(l));
  t.notOk(outside.some((l) => /\{\{|\}\}/.test(l)), "no placeholder left outside comments");
  const templateComments = template.split("\n").filter(isComment);
  t.same(
    lines.filter(isComment).filter((l) => !sbatch.includes(l)),
    templateComments,
    "the template's comment lines unchanged (they document the placeholders)",
  );
  t.match(templateComments.join("\n"), "{{attach_timeout}}", "they do mention placeholders");
  t.equal(shellAccepts(script), true, "sh -n accepts it");
  t.equal(
    shellAccepts(renderJobScript(template, { sbatch: [], prologue: "", epilogue: "", attachTimeout: 300 })),
    true,
    "and with nothing filled in",
  );
  t.end();
});

t.test("sh -n does catch a broken script (so the check above means something)", (t) => {
  t.not(shellAccepts("#!/bin/sh\nif true; then\n"), true);
  t.end();
});
