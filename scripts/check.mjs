// Repository checks that keep the design card's boundaries true. Exits non-zero on a finding.
//   - package.json and deno.json export the same entry points, and carry the same version
//   - only src/runtime/ touches host APIs (node:*, Bun.*, Deno.*, the `process` global; bin/ too);
//     src/protocol/ does no I/O
//   - managers/ reach the core only through src/internal.ts
//   - nothing imports test/, bench/ or scripts/; no import cycles in src/ and managers/
//   - every import runs down the floors of scripts/layers.mjs (src/README.md), or is one of its named exceptions
//   - docs/api.md is what scripts/api-docs.mjs makes from the doc comments (run `npm run docs`)
//   - every file deno.json's "fmt" covers is as `deno fmt` writes it (scripts/check-format.mjs; `npm run fmt`)
//   - every public function and class has an @example of its own, and every example in the API
//     reference type-checks against the source (scripts/check-examples.mjs)
//   - a file in src/, managers/ or bin/ over 200 lines says why it is one file: a paragraph starting
//     "Why one file:" in its module comment (scripts/file-size.mjs)
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { checkApiDocs, renderApiDocs } from "./api-docs.mjs";
import { checkExamples } from "./check-examples.mjs";
import { checkFormat } from "./check-format.mjs";
import { checkFileSize } from "./file-size.mjs";
import { checkLayers } from "./layers.mjs";

const root = path.resolve(new URL("..", import.meta.url).pathname);
const problems = [];
const rel = (f) => path.relative(root, f);

const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const deno = JSON.parse(readFileSync(path.join(root, "deno.json"), "utf8"));
const pkgKeys = Object.keys(pkg.exports).sort().join(",");
const denoKeys = Object.keys(deno.exports).sort().join(",");
if (pkgKeys !== denoKeys) problems.push(`export maps differ: package.json [${pkgKeys}] vs deno.json [${denoKeys}]`);
for (const key of Object.keys(deno.exports)) {
  const src = deno.exports[key].replace(/^\.\//, "").replace(/\.ts$/, "");
  const built = pkg.exports[key]?.default?.replace(/^\.\/dist\//, "").replace(/\.js$/, "");
  if (src !== built) {
    problems.push(`export "${key}": deno.json points at ${deno.exports[key]}, package.json at ${pkg.exports[key]?.default}`);
  }
}
if (pkg.version !== deno.version) problems.push(`versions differ: package.json ${pkg.version}, deno.json ${deno.version}`);
const versionTs = readFileSync(path.join(root, "src/version.ts"), "utf8");
if (!versionTs.includes(`"${pkg.version}"`)) problems.push(`src/version.ts does not say ${pkg.version}`);

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...files(full));
    else if (name.endsWith(".ts")) out.push(full);
  }
  return out;
}
const sources = [...files(path.join(root, "src")), ...files(path.join(root, "managers")), ...files(path.join(root, "bin"))];
const graph = new Map();
for (const file of sources) {
  const text = readFileSync(file, "utf8");
  const imports = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|^\s*import\s+"([^"]+)"/gm)].map((m) => m[1] ?? m[2]);
  const r = rel(file);
  const tooLong = checkFileSize(r, text);
  if (tooLong !== null) problems.push(tooLong);
  const inRuntime = r.startsWith("src/runtime/");
  for (const spec of imports) {
    if (spec.startsWith("node:") && !inRuntime && !r.startsWith("bin/")) {
      problems.push(`${r} imports ${spec}: only src/runtime/ may use host APIs`);
    }
    if (/(^|\/)(test|bench|scripts)\//.test(spec)) problems.push(`${r} imports ${spec}: nothing may import test/, bench/ or scripts/`);
    if (r.startsWith("managers/") && spec.startsWith("../src/") && spec !== "../src/internal.ts") {
      problems.push(`${r} imports ${spec}: managers reach the core through src/internal.ts only`);
    }
    if (r.startsWith("src/protocol/") && spec.startsWith("../") && !spec.startsWith("../errors.ts")) {
      problems.push(`${r} imports ${spec}: src/protocol/ stays pure`);
    }
  }
  if (!inRuntime && /\b(Bun|Deno)\.[a-z]/.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ""))) {
    problems.push(`${r} uses Bun.* or Deno.* outside src/runtime/`);
  }
  if (!inRuntime && !r.startsWith("bin/")) {
    const lines = processGlobalLines(file, text);
    if (lines.length > 0) {
      problems.push(
        `${r}:${lines.join(",")} uses the process global outside src/runtime/: add a helper there (e.g. in src/runtime/host.ts)`,
      );
    }
  }
  graph.set(file, imports.filter((s) => s.startsWith(".")).map((s) => path.resolve(path.dirname(file), s)));
}

/**
 * Lines of `file` where code (not a comment or a string) refers to the `process` global:
 * `process.x`, `process?.x`, `process[x]`, `{ process }`, `globalThis.process`. A property or
 * declaration named "process" is not a use (a local variable of that name would be flagged
 * where it is used: name it otherwise).
 */
function processGlobalLines(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = new Set();
  const visit = (node) => {
    const isGlobalThisProperty = ts.isPropertyAccessExpression(node) && node.name.text === "process" && ts.isIdentifier(node.expression) &&
      node.expression.text === "globalThis";
    const isReference = ts.isIdentifier(node) &&
      node.text === "process" &&
      (node.parent.name !== node || ts.isShorthandPropertyAssignment(node.parent)) &&
      !(ts.isQualifiedName(node.parent) && node.parent.right === node);
    if (isGlobalThisProperty || isReference) lines.add(sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return [...lines];
}

// Cycle check (the package door's self-import, used to seed Main, is the one allowed loop).
const state = new Map();
const stack = [];
function visit(file) {
  state.set(file, 1);
  stack.push(file);
  for (const dep of graph.get(file) ?? []) {
    if (dep === file) continue;
    if (state.get(dep) === 1) {
      const loop = stack.slice(stack.indexOf(dep)).map(rel);
      problems.push(`import cycle: ${[...loop, rel(dep)].join(" -> ")}`);
    } else if (!state.has(dep) && graph.has(dep)) visit(dep);
  }
  stack.pop();
  state.set(file, 2);
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);
problems.push(...checkLayers(graph, root));

problems.push(...checkFormat(root));

const rendered = renderApiDocs();
const staleDocs = checkApiDocs(rendered);
if (staleDocs !== null) problems.push(staleDocs);
const examples = checkExamples(rendered);
problems.push(...examples.problems);

if (problems.length > 0) {
  console.error(`check: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`check: ok (${sources.length} source files; ${examples.count} API examples type-check, in ${examples.seconds.toFixed(1)} s)`);
