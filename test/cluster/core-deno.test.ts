// The shared core suite against deno workers (the master is this Node process).
import t from "tap";
import { coreSuite } from "../suites/core.ts";

await coreSuite(t, "deno");
