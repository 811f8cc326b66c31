/**
 * The worker entry: `<runtime> .../worker/main.js --worker [--timeout=S] [--bind=HOST]
 * [--port=P] [--lifeline]` runs a worker (serve.ts); with `--launcher`, the per-host launcher
 * of remote managers (launcher.ts). Each loads only what it needs: the launcher does not load
 * the package, so an ssh start-up pays one runtime start for it and no more.
 *
 * @example
 * ```sh
 * echo "$COOKIE" | bun dist/src/worker/main.js --worker --timeout=60
 * # distributed_worker:41234#127.0.0.1
 * ```
 * @module
 */
import { flushAndExit, scriptArgs, writeStderr } from "../runtime/host.ts";

const argv = scriptArgs();
if (argv.includes("--launcher")) {
  try {
    const { runLauncher } = await import("./launcher.ts");
    runLauncher(argv);
  } catch (err) {
    writeStderr(`The distributed launcher failed to start: ${(err as Error).message}\n`);
    flushAndExit(1);
  }
} else {
  // The package first: Main on a worker starts with its exports.
  await import("../mod.ts");
  const { serveWorker } = await import("./worker-process.ts");
  serveWorker();
}
