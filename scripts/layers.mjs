// The layer order of the source tree, and the check that keeps imports running down it.
// A file may import files of its own floor or of lower floors; an import that runs up a floor is
// a finding, except for the files listed in EXCEPTIONS, each with its reason. Import cycles are
// checked apart (scripts/check.mjs). src/README.md describes the floors in words.
import path from "node:path";

/** Floors from the bottom; each entry is a folder (ending in /) or a file, relative to the root. */
export const FLOORS = [
  ["src/errors.ts", "src/errors/", "src/version.ts"],
  ["src/runtime/", "src/protocol/"],
  ["src/transport/", "src/channels/", "src/config/"],
  ["src/cluster/"],
  ["src/code/"],
  ["src/remote/"],
  ["src/parallel/"],
  ["src/threads/"],
  ["src/arrays/", "src/spmd/"],
  // The doors and the entries: what a program, a manager or a runtime starts from.
  ["src/worker/", "src/cli/", "src/internal.ts", "src/mod.ts", "managers/", "bin/"],
];

/**
 * Files that stand on another floor than their folder's, with the reason. Keep this short: a
 * file that needs an entry here usually belongs in another folder.
 */
export const EXCEPTIONS = new Map([
  [
    "src/worker/entries.ts",
    {
      floor: "src/runtime/",
      why:
        "it only names where the entry files are, by URLs relative to itself, so it sits beside them; it imports nothing above src/runtime/, so addprocs and the thread pool may ask it",
    },
  ],
]);

function floorOfPlace(place) {
  return FLOORS.findIndex((floor) => floor.includes(place));
}

/** The floor of a file (relative path), or -1 for a file outside the layered tree. */
export function floorOf(file) {
  const exception = EXCEPTIONS.get(file);
  if (exception !== undefined) return floorOfPlace(exception.floor);
  for (let i = 0; i < FLOORS.length; i++) {
    for (const place of FLOORS[i]) if (place.endsWith("/") ? file.startsWith(place) : file === place) return i;
  }
  return -1;
}

/**
 * Imports that run up the floors, and files no floor holds.
 * @param {Map<string, string[]>} graph absolute file -> absolute files it imports
 * @param {string} root
 * @returns {string[]} findings, one line each
 */
export function checkLayers(graph, root) {
  const problems = [];
  const rel = (f) => path.relative(root, f).split(path.sep).join("/");
  for (const [file, deps] of graph) {
    const from = rel(file);
    const mine = floorOf(from);
    if (mine < 0) {
      problems.push(
        `${from} is on no floor of scripts/layers.mjs: put it in a layered folder, or add its folder to FLOORS (and to src/README.md)`,
      );
      continue;
    }
    for (const dep of deps) {
      const to = rel(dep);
      const theirs = floorOf(to);
      if (theirs > mine) {
        problems.push(
          `${from} imports ${to}, which stands on a higher floor (${theirs} > ${mine}): move the code it needs down, or have the higher floor register itself with the lower (see src/README.md)`,
        );
      }
    }
  }
  return problems;
}
