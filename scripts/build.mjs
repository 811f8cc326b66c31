// Builds the package to dist/ with tsc (strict, .ts imports rewritten to .js), so Node 20
// runs it without tsx. Usage: node scripts/build.mjs [--clean]
// Without --clean, dist/ is updated in place, so a test run in progress is not pulled out
// from under itself.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
if (process.argv.includes("--clean")) rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
const tsc = require.resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { stdio: "inherit", cwd: new URL("..", import.meta.url) });
if (result.status !== 0) process.exit(result.status ?? 1);
const bin = new URL("../dist/bin/distributed.js", import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
