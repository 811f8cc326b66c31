// The formatter's check for `npm run check`: every file that deno.json's "fmt" section covers is
// as `deno fmt` writes it (140 columns). Deno is a dev dependency, so its binary is in
// node_modules; `npm run fmt` fixes what this finds.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/** The deno binary of node_modules: the platform package's own, else npm's shim that runs it. */
function denoBinary(root) {
  const scope = path.join(root, "node_modules", "@deno");
  if (existsSync(scope)) {
    for (const name of readdirSync(scope)) {
      const exe = path.join(scope, name, "deno");
      if (existsSync(exe)) return exe;
    }
  }
  const shim = path.join(root, "node_modules", ".bin", "deno");
  return existsSync(shim) ? shim : null;
}

/**
 * Problems, one line each: the files `deno fmt --check` finds unformatted, or why it could not run.
 *
 * @example
 * checkFormat("/work/main"); // [] when every file is formatted
 */
export function checkFormat(root) {
  const deno = denoBinary(root);
  if (deno === null) return ["format: no deno binary in node_modules (deno is a dev dependency): run npm install"];
  const r = spawnSync(deno, ["fmt", "--check"], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (r.error !== undefined) return [`format: cannot run ${deno}: ${r.error.message}`];
  if (r.status === 0) return [];
  const output = `${r.stdout}\n${r.stderr}`;
  const unformatted = [...new Set([...output.matchAll(/^from (.+?):\s*$/gm)].map((m) => path.relative(root, m[1])))];
  if (unformatted.length === 0) {
    return [`format: deno fmt --check failed (exit ${r.status}):\n    ${output.trim().split("\n").slice(-5).join("\n    ")}`];
  }
  const shown = unformatted.slice(0, 10).join(", ") + (unformatted.length > 10 ? `, and ${unformatted.length - 10} more` : "");
  return [`format: ${unformatted.length} file(s) not as deno fmt writes them (${shown}): run npm run fmt`];
}
