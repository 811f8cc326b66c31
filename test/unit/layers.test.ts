// Unit tests of scripts/layers.mjs: the floor of a file, and which imports the layer check
// reports (the check itself runs on the real tree in `npm run check`).
import t from "tap";

interface Layers {
  floorOf(file: string): number;
  checkLayers(graph: Map<string, string[]>, root: string): string[];
}
// scripts/ is plain JavaScript beside the tree; dist/test/unit/ is three floors below the root.
const layers = (await import(new URL("../../../scripts/layers.mjs", import.meta.url).href)) as Layers;
const root = "/repo";
const graphOf = (edges: Record<string, string[]>): Map<string, string[]> =>
  new Map(Object.entries(edges).map(([from, to]) => [`${root}/${from}`, to.map((f) => `${root}/${f}`)]));

t.test("floors run from errors up to the doors", async (t) => {
  t.equal(layers.floorOf("src/errors.ts"), 0);
  t.ok(layers.floorOf("src/runtime/host.ts") < layers.floorOf("src/transport/connection.ts"));
  t.ok(layers.floorOf("src/cluster/dispatch.ts") < layers.floorOf("src/code/invoke.ts"));
  t.ok(layers.floorOf("src/code/invoke.ts") < layers.floorOf("src/remote/calls.ts"));
  t.ok(layers.floorOf("src/remote/calls.ts") < layers.floorOf("src/parallel/pmap.ts"));
  t.ok(layers.floorOf("src/parallel/pmap.ts") < layers.floorOf("src/threads/pool.ts"));
  t.equal(layers.floorOf("src/mod.ts"), layers.floorOf("managers/local.ts"));
  t.equal(layers.floorOf("src/elsewhere/new.ts"), -1, "a folder no floor holds");
});

t.test("an import down or across a floor passes; one up a floor is reported", async (t) => {
  t.same(layers.checkLayers(graphOf({ "src/remote/calls.ts": ["src/cluster/state.ts", "src/remote/future.ts"] }), root), []);
  const found = layers.checkLayers(graphOf({ "src/cluster/state.ts": ["src/remote/calls.ts"] }), root);
  t.equal(found.length, 1);
  t.match(found[0], /^src\/cluster\/state\.ts imports src\/remote\/calls\.ts, which stands on a higher floor/);
});

t.test("a named exception stands on its own floor; a file on no floor is reported", async (t) => {
  t.equal(layers.floorOf("src/worker/entries.ts"), layers.floorOf("src/runtime/host.ts"));
  t.same(layers.checkLayers(graphOf({ "src/cluster/addprocs.ts": ["src/worker/entries.ts"] }), root), []);
  t.same(layers.checkLayers(graphOf({ "src/cluster/addprocs.ts": ["src/worker/serve.ts"] }), root).length, 1);
  t.match(layers.checkLayers(graphOf({ "src/elsewhere/new.ts": [] }), root)[0], /is on no floor/);
});
