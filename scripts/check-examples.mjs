// Type-checks the examples of the API reference, for scripts/check.mjs: every ```ts block that
// docs/api.md shows from a doc comment (the entry points' and files' module comments, the
// exports', their members') becomes a module of its own, named after whose doc it is, and one
// TypeScript program checks them all with the project's compiler options, "distributed" and
// "distributed/managers" mapped to src/mod.ts and managers/mod.ts. The modules live in memory
// only: nothing is written to disk. Each doc's blocks share a directory named after its owner,
// and a block whose first line is a comment naming a file (`// point.ts`) is that file, so
// another block of the same doc can import it ("./point.ts"). Also finds the public functions
// and classes without an @example of their own.
//   node scripts/check-examples.mjs            the same findings as check.mjs, on their own
//   node scripts/check-examples.mjs --write D  also writes the example modules to directory D
// A block that is deliberately not TypeScript takes another fence language (```sh, ```text).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { renderApiDocs, withoutOwnExample } from "./api-docs.mjs";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
/** Where the example modules seem to be, for the compiler; never created. */
const DIR = path.join(root, ".api-examples");
const TYPESCRIPT = new Set(["ts", "typescript", "mts"]);

/**
 * Public classes that may lack an example of their own for now, as name -> why. Remove a name
 * when its example lands (the check says so). Empty: every public function and class has one.
 */
const EXAMPLES_PENDING = new Map();

/** The project's compiler options (tsconfig.json), made to check in memory and to resolve the package's own name to its source. */
function compilerOptions() {
  const config = ts.readConfigFile(path.join(root, "tsconfig.json"), ts.sys.readFile);
  if (config.error !== undefined) {
    throw new Error(`check-examples: tsconfig.json: ${ts.flattenDiagnosticMessageText(config.error.messageText, "\n")}`);
  }
  const { options, errors } = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, root, "tsconfig.json");
  if (errors.length > 0) {
    throw new Error(`check-examples: tsconfig.json: ${errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, "\n")).join("; ")}`);
  }
  for (const key of ["outDir", "rootDir", "declaration", "sourceMap", "declarationMap", "composite", "incremental", "tsBuildInfoFile"]) {
    delete options[key];
  }
  return {
    ...options,
    noEmit: true,
    paths: { distributed: ["./src/mod.ts"], "distributed/managers": ["./managers/mod.ts"] },
    pathsBasePath: root,
    typeRoots: [path.join(root, "node_modules", "@types")],
  };
}

/** An owner's directory; `range` and `Range` get two (file names that differ only in case are one file on some systems). */
function dirOf(owner, taken) {
  const base = owner.replace(/\.ts$/, "").replace(/[^\w.$-]+/g, "-");
  for (let n = 1;; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    const taker = taken.get(name.toLowerCase());
    if (taker === undefined) taken.set(name.toLowerCase(), owner);
    if (taker === undefined || taker === owner) return path.join(DIR, name);
  }
}

/**
 * Where an example of `owner` is compiled: a directory named after the owner ("module
 * src/cluster/cookie.ts" -> "module-src-cluster-cookie"), and in it the file the block's first
 * line names (`// point.ts`), else example.ts, example-2.ts, ...
 */
function fileNameOf(owner, code, used) {
  const dir = dirOf(owner, used.dirs);
  const named = /^\/\/\s*([\w-]+\.m?ts)\b/.exec(code[0] ?? "");
  if (named !== null) return path.join(dir, named[1]);
  const n = (used.blocks.get(dir) ?? 0) + 1;
  used.blocks.set(dir, n);
  return path.join(dir, n === 1 ? "example.ts" : `example-${n}.ts`);
}

/**
 * The examples' findings: `problems` (one message each: whose example, its source file:line
 * and the compiler's diagnostic), the number of examples checked, and how long the check took.
 * `rendered` is renderApiDocs()'s result, when the caller has it already.
 */
export function checkExamples(rendered = renderApiDocs(), { write = null } = {}) {
  const started = performance.now();
  const problems = [];
  const pending = new Set(EXAMPLES_PENDING.keys());
  for (const { name, file, line } of withoutOwnExample(rendered.modules)) {
    if (pending.delete(name)) continue;
    problems.push(
      `${name} (${file}:${line}) has no @example of its own: add one to its doc comment (a module comment's example does not count)`,
    );
  }
  for (const name of pending) {
    problems.push(
      `${name} has its own @example now, or is no longer public: remove it from EXAMPLES_PENDING in scripts/check-examples.mjs`,
    );
  }

  const examples = new Map();
  const used = { dirs: new Map(), blocks: new Map() };
  for (const { owner, block } of rendered.examples) {
    if (!TYPESCRIPT.has(block.lang) && block.lang !== "") continue;
    if (block.lang === "") {
      problems.push(
        `the example of ${owner} (${block.file}:${
          block.line - 1
        }) has a fence without a language: use \`\`\`ts for TypeScript (it is type-checked), or \`\`\`sh, \`\`\`text, ... for anything else`,
      );
      continue;
    }
    const file = fileNameOf(owner, block.code, used);
    if (examples.has(file)) {
      problems.push(
        `the example of ${owner} (${block.file}:${block.line}) names ${path.basename(file)}, as another block of the same doc does`,
      );
    }
    examples.set(file, { owner, block, text: block.code.join("\n") + "\n" });
  }
  if (write !== null) {
    mkdirSync(write, { recursive: true });
    for (const [file, e] of examples) {
      const to = path.join(write, path.relative(DIR, file));
      mkdirSync(path.dirname(to), { recursive: true });
      writeFileSync(to, `// ${e.owner}: ${e.block.file}:${e.block.line}\n${e.text}`);
    }
  }

  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getCurrentDirectory = () => root;
  const dirs = new Set([...examples.keys()].map((f) => path.dirname(f)));
  const { directoryExists } = host;
  host.directoryExists = (d) => dirs.has(d) || d === DIR || (directoryExists?.call(host, d) ?? true);
  host.fileExists = (f) => examples.has(f) || fileExists.call(host, f);
  host.readFile = (f) => examples.get(f)?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, language, ...rest) => {
    const e = examples.get(f);
    return e !== undefined ? ts.createSourceFile(f, e.text, language) : getSourceFile.call(host, f, language, ...rest);
  };
  const program = ts.createProgram([...examples.keys()], options, host);
  for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    problems.push(`examples: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  }
  for (const [file, e] of examples) {
    const sf = program.getSourceFile(file);
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n    ");
      if (d.file === undefined || d.start === undefined) {
        problems.push(`the example of ${e.owner} (${e.block.file}:${e.block.line}): TS${d.code} ${message}`);
        continue;
      }
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      const where = d.file.fileName === file
        ? `${e.block.file}:${e.block.line + line}:${character + 1}`
        : `${path.relative(root, d.file.fileName)}:${line + 1}`;
      const code = d.file.fileName === file ? `\n    | ${e.block.code[line]?.trim()}` : "";
      problems.push(`the example of ${e.owner} (${where}): TS${d.code} ${message}${code}`);
    }
  }
  return { problems, count: examples.size, seconds: (performance.now() - started) / 1000 };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const at = process.argv.indexOf("--write");
  const write = at >= 0 ? path.resolve(process.argv[at + 1] ?? "api-examples") : null;
  const { problems, count, seconds } = checkExamples(renderApiDocs(), { write });
  if (problems.length > 0) {
    console.error(`check-examples: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`check-examples: ${count} examples type-check (${seconds.toFixed(1)} s)`);
}
