// The error family: every error class the package exports extends DistributedError, every code
// the source uses is in ERROR_CODES (and every listed code is used), the troubleshooting guide's
// table lists exactly those codes with the class that carries each, and isDistributedError
// answers as its doc comment says (also for errors that crossed a thread or process boundary).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import t from "tap";
import * as managers from "../../managers/mod.ts";
import * as errors from "../../src/errors.ts";
import * as door from "../../src/mod.ts";
import { ROOT } from "../helpers/processes.ts";

const { DistributedError, ERROR_CODES, isDistributedError, RemoteError, ThreadError, ChannelClosedError } = errors;
const listed = Object.keys(ERROR_CODES).sort();

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith(".ts")) out.push(full);
  }
  return out;
}

t.test("every error class of the package doors and of the errors module extends DistributedError", async (t) => {
  const classes = new Map<string, unknown>();
  for (const mod of [door, managers, errors] as Array<Record<string, unknown>>) {
    for (const [name, value] of Object.entries(mod)) {
      if (/^[A-Z]\w*Error$/.test(name) && typeof value === "function") classes.set(name, value);
    }
  }
  t.ok(classes.size >= 20, `found the error classes (${classes.size})`);
  for (const [name, Class] of classes) {
    if (name === "DistributedError") continue;
    t.ok((Class as { prototype: unknown }).prototype instanceof DistributedError, `${name} extends DistributedError`);
  }
  for (const name of new Set(Object.values(ERROR_CODES))) t.ok(classes.has(name), `${name}, which carries a code, is exported`);
});

t.test("ERROR_CODES is frozen, and holds exactly the code strings the source uses", async (t) => {
  t.ok(Object.isFrozen(ERROR_CODES));
  const used = new Set<string>();
  const codesFile = path.join(ROOT, "src", "errors", "codes.ts");
  for (const dir of ["src", "managers", "bin"]) {
    for (const file of sourceFiles(path.join(ROOT, dir))) {
      if (file === codesFile) continue;
      for (const m of readFileSync(file, "utf8").matchAll(/"(ERR_[A-Z0-9_]+)"/g)) used.add(m[1]!);
    }
  }
  t.same([...used].sort(), listed, "the codes used in src/, managers/ and bin/ are the listed ones");
});

t.test("docs/guides/troubleshooting.md's table lists every code with the class that carries it", async (t) => {
  const text = readFileSync(path.join(ROOT, "docs", "guides", "troubleshooting.md"), "utf8");
  const start = text.indexOf("| error | `code` | thrown where |");
  t.ok(start >= 0, "the table is there");
  const rows = text.slice(start).split("\n\n")[0]!.split("\n").slice(2);
  const documented = new Map<string, string>();
  for (const row of rows) {
    const [error, codes] = row.split(" | ");
    const name = /`(\w+)`/.exec(error ?? "")?.[1];
    for (const m of (codes ?? "").matchAll(/`(ERR_[A-Z0-9_]+)`/g)) {
      t.notOk(documented.has(m[1]!), `${m[1]} has one row`);
      documented.set(m[1]!, name ?? "(no class)");
    }
  }
  t.same([...documented.keys()].sort(), listed, "the same codes as ERROR_CODES");
  for (const [code, name] of Object.entries(ERROR_CODES)) t.equal(documented.get(code), name, `${code}: ${name}`);
});

t.test("isDistributedError: the class, the code, and errors from elsewhere", async (t) => {
  const closed = new ChannelClosedError("take");
  t.ok(isDistributedError(closed));
  t.ok(isDistributedError(closed, "ERR_CHANNEL_CLOSED"));
  t.notOk(isDistributedError(closed, "ERR_PROCESS_EXITED"), "another code");
  t.ok(isDistributedError(new DistributedError("ERR_NOT_MASTER", "x"), "ERR_NOT_MASTER"), "the base class itself");
  t.ok(isDistributedError(new DistributedError("MY_OWN_CODE", "x")), "a subclass or instance of a program's own");

  for (const value of [undefined, null, "ERR_REMOTE", 42, new Error("plain"), new TypeError("bad"), { code: "ERR_REMOTE" }]) {
    t.notOk(isDistributedError(value), `not one: ${String(value)}`);
  }
  t.notOk(isDistributedError(Object.assign(new Error("x"), { code: "ENOENT" })), "a Node error with a code of its own");

  // What instanceof cannot see: an error rebuilt from another thread or process, or made by a
  // second copy of the package, carries the name, message and code only.
  const rebuilt = Object.assign(new Error("Worker 3 has exited"), { name: "ProcessExitedError", code: "ERR_PROCESS_EXITED" });
  t.ok(isDistributedError(rebuilt), "a rebuilt error with a package code");
  t.ok(isDistributedError(rebuilt, "ERR_PROCESS_EXITED"));

  const remote = new RemoteError(2, {
    name: "InterruptError",
    message: "The call was interrupted on process 2",
    stack: "",
    code: "ERR_INTERRUPTED",
  });
  t.ok(isDistributedError(remote, "ERR_REMOTE"), "a RemoteError is ERR_REMOTE");
  t.ok(isDistributedError(remote, "ERR_INTERRUPTED"), "and carries the remote error's code");
  t.notOk(isDistributedError(remote, "ERR_TOPOLOGY"));
  const user = new RemoteError(2, { name: "Error", message: "no file", stack: "", code: "ENOENT" });
  t.ok(isDistributedError(user, "ERR_REMOTE"));
  t.notOk(isDistributedError(user, "ERR_INTERRUPTED"), "a user's error carries no package code");

  const thread = new ThreadError(2, { name: "SerializationError", message: "x", stack: "", code: "ERR_UNSERIALIZABLE" }, "threads.map");
  t.ok(isDistributedError(thread, "ERR_THREAD"));
  t.ok(isDistributedError(thread, "ERR_UNSERIALIZABLE"), "a ThreadError carries the thread's code");
  t.notOk(
    isDistributedError(new ChannelClosedError("put", { cause: closed }), "ERR_REMOTE"),
    "only RemoteError and ThreadError carry another's code",
  );
});

t.test("classes keep their names, messages and fields on the new base", async (t) => {
  const { ConfigError, EnvVarError, SerializationError, UndefinedNameError, ReleasedHandleError, ConnectError } = errors;
  const env = new EnvVarError("DISTRIBUTED_RUNTIME", "python", 'one of "node", "bun", "deno"');
  t.same([env.name, env.code, env.message], [
    "EnvVarError",
    "ERR_BAD_ENV_VAR",
    'DISTRIBUTED_RUNTIME must be one of "node", "bun", "deno", got "python"',
  ]);
  const config = new ConfigError("x.json", "runtime", '"runtime" must be one of ...');
  t.same([config.name, config.code, config.file, config.key, config.message], [
    "ConfigError",
    "ERR_CONFIG",
    "x.json",
    "runtime",
    'x.json: "runtime" must be one of ...',
  ]);
  const big = new SerializationError("args[0]", "too large", "Send less", "ERR_PAYLOAD_TOO_LARGE");
  t.same([big.name, big.code, big.path], ["SerializationError", "ERR_PAYLOAD_TOO_LARGE", "args[0]"]);
  const names = new UndefinedNameError(["a", "b"], "pmap");
  t.same([names.name, names.code, names.names], ["UndefinedNameError", "ERR_UNDEFINED_NAME", ["a", "b"]]);
  t.equal(
    new ReleasedHandleError("WorkerPool", "take").message,
    "WorkerPool.take: this handle was released with release(); use another handle to the pool",
  );
  t.equal(
    new ReleasedHandleError("RemoteChannel", "put").message,
    "RemoteChannel.put(): this handle was released with release(); use another handle to the channel",
  );
  const refused = new Error("connect ECONNREFUSED 127.0.0.1:9");
  const connect = new ConnectError("Cannot connect to 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9", {
    target: "127.0.0.1:9",
    cause: refused,
  });
  t.same([connect.name, connect.code, connect.target, connect.cause], ["ConnectError", "ERR_CONNECT_FAILED", "127.0.0.1:9", refused]);
  t.notOk("cause" in new ConnectError("timed out", { target: "h:1", code: "ERR_CONNECT_TIMEOUT" }), "no cause when there is none");
});
