/**
 * The package version, reported by workers when they join (so a master can tell when hosts
 * run different releases).
 *
 * @example
 * ```ts
 * import { PACKAGE_VERSION } from "distributed";
 * PACKAGE_VERSION; // "0.1.0"
 * ```
 * @module
 */

/** This package's version; kept equal to package.json by scripts/check.mjs. */
export const PACKAGE_VERSION = "0.1.0";
