// The shared core suite against node workers (the master is this Node process).
import t from "tap";
import { coreSuite } from "../suites/core.ts";

await coreSuite(t, "node");
