// The shared suite run against workers under each runtime: calls, code movement, failures.
import type tap from "tap";
import { addprocs, rmprocs, type RuntimeName } from "../../src/mod.ts";
import { callsSuite } from "./calls.ts";
import { codeSuite } from "./code.ts";
import { failuresSuite } from "./failures.ts";
import { channelsSuite } from "./channels.ts";
import { parallelSuite } from "./parallel.ts";

type TAP = typeof tap;

export async function coreSuite(t: TAP, runtime: RuntimeName): Promise<void> {
  const pids = await addprocs(2, { runtime });
  t.teardown(() => rmprocs(pids));
  t.test(`calls (${runtime} workers)`, async (t) => callsSuite(t as unknown as TAP, runtime, pids));
  t.test(`code movement (${runtime} workers)`, async (t) => codeSuite(t as unknown as TAP, runtime, pids));
  t.test(`channels, references, worker-to-worker (${runtime} workers)`, async (t) => channelsSuite(t as unknown as TAP, runtime, pids));
  t.test(`range, distributed, pmap, pools (${runtime} workers)`, async (t) => parallelSuite(t as unknown as TAP, runtime, pids));
  t.test(`failures (${runtime} workers)`, async (t) => failuresSuite(t as unknown as TAP, runtime));
}
