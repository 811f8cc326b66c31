// The shared core suite against bun workers (the master is this Node process).
import t from "tap";
import { coreSuite } from "../suites/core.ts";

await coreSuite(t, "bun");
