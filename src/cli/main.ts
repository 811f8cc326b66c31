/**
 * The `distributed` command (yargs): `run`, `info`, `slurm submit`, and `worker` for starting
 * a worker by hand. Exit codes: 0 success, 1 a failure (the message on stderr, its stack only
 * with --verbose), 2 a usage error.
 *
 * Why one file: the command tree (yargs) and splitting the command line at the script share
 * the options: VALUE_OPTIONS must list every option of `run` and `slurm submit` that takes a
 * value, or the split would take that value for the script.
 *
 * @example
 * ```sh
 * npx distributed run -p 4 script.ts --size 100     # like `julia -p 4 script.jl`
 * bunx distributed run --slurm -t 2 script.ts        # inside an sbatch job
 * npx distributed info
 * npx distributed slurm submit script.ts --nodes 2 --ntasks-per-node 4 --time 00:30:00 --dry-run
 * ```
 * @module
 */
import yargs from "yargs";
import type { Argv } from "yargs";
import { RUNTIMES } from "../runtime/detect.ts";
import { scriptArgs, setExitCode, stdoutColumns, writeStderr } from "../runtime/host.ts";
import { PACKAGE_VERSION } from "../version.ts";
import { runScriptAsMaster } from "./run.ts";
import { infoCommand } from "./info.ts";
import { slurmSubmitCommand } from "./slurm-submit.ts";
import { spmdLaunch } from "./spmd.ts";
import { UsageError } from "../errors.ts";

const TOPOLOGIES = ["all_to_all", "master_worker", "custom"] as const;

/** Options `run` and `slurm submit` share: what the workers are. */
function workerOptions<T>(y: Argv<T>) {
  return y
    .option("threads", { alias: "t", type: "number", describe: "Threads in each process's pool (this one and every worker)" })
    .option("runtime", { type: "string", choices: RUNTIMES, describe: "Runtime of the workers (default: this one's, or the config's)" })
    .option("topology", { type: "string", choices: TOPOLOGIES, describe: "Cluster topology" })
    .option("timeout", { type: "number", describe: "Seconds for the workers to start" });
}

/** Parses and runs a command line; resolves with the exit code. */
export async function main(argv: readonly string[] = scriptArgs()): Promise<number> {
  // The script's own arguments are not ours: everything after the script goes to it untouched.
  const { ours, scriptArgsGiven } = splitAtScript(argv);
  let verbose = ours.includes("--verbose");
  /** A command's own exit code (`spmd` exits as its ranks did). */
  let commandCode = 0;
  const parser = yargs([...ours])
    .scriptName("distributed")
    .version(PACKAGE_VERSION)
    .usage("Julia-style distributed computing for TypeScript, on Node, Bun and Deno.\n\nUsage: distributed <command> [options]")
    .option("verbose", { type: "boolean", describe: "Print stack traces with errors", global: true })
    .command(
      "run <script> [args..]",
      "Add workers, then run a script (like `julia -p N script.jl`); the script's own arguments follow it",
      (y) =>
        workerOptions(y)
          .positional("script", { type: "string", demandOption: true, describe: "The script (.ts or .js)" })
          .positional("args", { type: "string", array: true, describe: "Arguments for the script" })
          .option("procs", { alias: "p", type: "number", describe: "Local worker processes to add" })
          .option("machine-file", {
            type: "string",
            describe: "Add workers on the hosts of this file over SSH ([count*][user@]host[:port] per line)",
          })
          .option("slurm", { type: "boolean", describe: "Add one worker per task of the Slurm allocation this runs in" })
          .option("manager", {
            type: "string",
            choices: ["processes", "threads"] as const,
            describe: "With -p: worker processes (default) or thread workers",
          })
          .example("distributed run -p 4 script.ts --size 100", "4 local workers; the script sees --size 100")
          .example("distributed run --machine-file hosts.txt -t 2 script.ts", "workers over SSH, 2 threads each"),
      async (a) => {
        await runScriptAsMaster({
          script: a.script as string,
          args: scriptArgsGiven,
          procs: a.procs,
          machineFile: a["machine-file"],
          slurm: a.slurm === true,
          manager: a.manager as "processes" | "threads" | undefined,
          threads: a.threads,
          runtime: a.runtime as (typeof RUNTIMES)[number] | undefined,
          topology: a.topology as (typeof TOPOLOGIES)[number] | undefined,
          timeout: a.timeout,
        });
      },
    )
    .command(
      "spmd <script> [args..]",
      "Run a script on N ranks of this machine, each with a communicator from spmdInit() (like `mpiexec -n N`)",
      (y) =>
        y
          .positional("script", { type: "string", demandOption: true, describe: "The script (.ts or .js)" })
          .positional("args", { type: "string", array: true, describe: "Arguments for the script" })
          .option("n", { alias: "np", type: "number", demandOption: true, describe: "Ranks to start" })
          .option("runtime", { type: "string", choices: RUNTIMES, describe: "Runtime of the ranks (default: this one's)" })
          .option("timeout", { type: "number", describe: "Seconds for the ranks to find each other" })
          .example("distributed spmd -n 4 rank-sum.ts", "4 ranks; the script calls spmdInit()"),
      async (a) => {
        commandCode = await spmdLaunch({
          script: a.script as string,
          args: scriptArgsGiven,
          n: a.n as number,
          runtime: a.runtime as (typeof RUNTIMES)[number] | undefined,
          timeout: a.timeout,
        });
      },
    )
    .command(
      "info",
      "The runtimes found and their versions, and what the configuration resolves to",
      (y) => y.option("json", { type: "boolean", describe: "Print JSON" }),
      async (a) => {
        await infoCommand({ json: a.json === true });
      },
    )
    .command("slurm", "Slurm helpers", (y) =>
      y
        .command(
          "submit <script> [args..]",
          "Write a job script that runs <script> as the master on the job's allocation, and submit it with sbatch",
          (s) =>
            workerOptions(s)
              .positional("script", { type: "string", demandOption: true })
              .positional("args", { type: "string", array: true })
              .option("nodes", { alias: "N", type: "number", describe: "Nodes" })
              .option("ntasks", { alias: "n", type: "number", describe: "Tasks (one worker each)" })
              .option("ntasks-per-node", { type: "number", describe: "Tasks per node" })
              .option("cpus-per-task", { type: "number", describe: "CPUs per task" })
              .option("time", { type: "string", describe: 'Time limit, e.g. "00:30:00"' })
              .option("partition", { alias: "p", type: "string", describe: "Partition" })
              .option("account", { type: "string" })
              .option("qos", { type: "string" })
              .option("mem", { type: "string", describe: 'Memory per node, e.g. "4G"' })
              .option("job-name", { type: "string" })
              .option("output", { type: "string", describe: "The job's output file (default distributed-%j.out)" })
              .option("sbatch-flag", {
                type: "string",
                array: true,
                describe: "Any other sbatch option, as --sbatch-flag=--exclusive (repeatable)",
              })
              .option("prologue", { type: "string", describe: "Shell code run before the master" })
              .option("epilogue", { type: "string", describe: "Shell code run after it" })
              .option("template", { type: "string", describe: "A job-script template of your own (see slurm/templates/run.sbatch)" })
              .option("dry-run", { type: "boolean", describe: "Print the job script instead of submitting it" })
              .example("distributed slurm submit job.ts --nodes 2 --ntasks-per-node 4 --time 00:30:00 --dry-run", "print the job script"),
          async (a) => {
            await slurmSubmitCommand({
              script: a.script as string,
              args: scriptArgsGiven,
              dryRun: a["dry-run"] === true,
              request: {
                nodes: a.nodes,
                ntasks: a.ntasks,
                ntasksPerNode: a["ntasks-per-node"],
                cpusPerTask: a["cpus-per-task"],
                time: a.time,
                partition: a.partition,
                account: a.account,
                qos: a.qos,
                mem: a.mem,
                jobName: a["job-name"],
                output: a.output,
                sbatchFlags: a["sbatch-flag"],
              },
              prologue: a.prologue,
              epilogue: a.epilogue,
              template: a.template,
              threads: a.threads,
              runtime: a.runtime as (typeof RUNTIMES)[number] | undefined,
              topology: a.topology as (typeof TOPOLOGIES)[number] | undefined,
              timeout: a.timeout,
            });
          },
        )
        .demandCommand(1, "Give a slurm command: submit"))
    .command(
      "worker",
      "Start a worker by hand: it reads the cookie from stdin and prints its address (like `julia --worker`)",
      (y) => y.option("timeout", { type: "number" }).option("bind", { type: "string" }).option("port", { type: "number" }).strict(false),
    )
    .demandCommand(1, "Give a command: run, spmd, info, slurm submit or worker")
    .strict()
    .help()
    .alias("help", "h")
    .wrap(Math.min(100, stdoutColumns() ?? 100))
    .exitProcess(false)
    .fail((message: string | undefined, err: Error | undefined) => {
      throw err ?? new UsageError(message ?? "invalid command line");
    });
  try {
    const parsed = await parser.parseAsync();
    verbose = parsed.verbose === true;
    return commandCode;
  } catch (err) {
    const e = err as Error;
    if (e instanceof UsageError || e.name === "YError") {
      writeStderr(
        `distributed: ${e.message.replace(/\s*\n\s*/g, " ")}\nRun "distributed --help" (or "distributed <command> --help") for usage.\n`,
      );
      return 2;
    }
    writeStderr(verbose ? `${e.stack ?? e.message}\n` : `distributed: ${e.message}\n`);
    return 1;
  }
}

/** Options of `run` and `slurm submit` that take a value (the next word, unless given as --x=v). */
const VALUE_OPTIONS = new Set([
  "-p",
  "--procs",
  "--np",
  "--machine-file",
  "--machineFile",
  "-t",
  "--threads",
  "--runtime",
  "--topology",
  "--timeout",
  "--manager",
  "-N",
  "--nodes",
  "-n",
  "--ntasks",
  "--ntasks-per-node",
  "--cpus-per-task",
  "--time",
  "--partition",
  "--account",
  "--qos",
  "--mem",
  "--job-name",
  "--output",
  "--sbatch-flag",
  "--prologue",
  "--epilogue",
  "--template",
]);

/**
 * Splits a command line into ours and the script's arguments. `run ... <script> args`: as
 * with `julia -p 4 script.jl args`, everything after the script is the script's (a `--` first is
 * dropped). `slurm submit <script> [options] -- args`: the script's arguments follow `--`.
 *
 * @example
 * ```ts
 * splitAtScript(["run", "-p", "2", "job.ts", "--size", "10"]); // { ours: ["run", "-p", "2", "job.ts"], scriptArgsGiven: ["--size", "10"] }
 * splitAtScript(["slurm", "submit", "job.ts", "-N", "2", "--", "--size", "10"]); // { ours: [..., "-N", "2"], scriptArgsGiven: ["--size", "10"] }
 * ```
 */
export function splitAtScript(argv: readonly string[]): { ours: string[]; scriptArgsGiven: string[] } {
  if (argv[0] === "slurm" && argv[1] === "submit") {
    const dash = argv.indexOf("--");
    return dash < 0 ? { ours: [...argv], scriptArgsGiven: [] } : { ours: argv.slice(0, dash), scriptArgsGiven: argv.slice(dash + 1) };
  }
  if (argv[0] !== "run" && argv[0] !== "spmd") return { ours: [...argv], scriptArgsGiven: [] };
  let i = 1;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") {
      // `run [options] -- script args`: the script is the word after it.
      if (i + 1 >= argv.length) break;
      return { ours: [...argv.slice(0, i), argv[i + 1]!], scriptArgsGiven: argv.slice(i + 2) };
    }
    if (!word.startsWith("-") || word === "-") {
      const rest = argv.slice(i + 1);
      return { ours: argv.slice(0, i + 1), scriptArgsGiven: rest[0] === "--" ? rest.slice(1) : rest };
    }
    if (VALUE_OPTIONS.has(word)) i++;
  }
  return { ours: [...argv], scriptArgsGiven: [] };
}

/** Runs the CLI with this process's arguments and sets its exit code. */
export async function cli(): Promise<void> {
  setExitCode(await main());
}
