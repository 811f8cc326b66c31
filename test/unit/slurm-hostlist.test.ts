import t from "tap";
import { expandHostlist } from "../../managers/slurm/hostlist.ts";
import { caught } from "../helpers/unit.ts";

/** The exact message expandHostlist throws for a malformed list. */
function malformed(list: string): string {
  return `Not a Slurm host list: ${JSON.stringify(list)} (expected names like "dn[1-3],gpu[01-02,07],login")`;
}

// Lists and what `scontrol show hostnames <list>` printed for them (Slurm 22.05, one name a
// line), so the expansion agrees with Slurm's own.
const SCONTROL: [string, string[]][] = [
  ["x[1-3]", ["x1", "x2", "x3"]],
  ["dn[08-10]", ["dn08", "dn09", "dn10"]],
  ["r[1-2]n[1-2]", ["r1n1", "r1n2", "r2n1", "r2n2"]],
  ["dn[1-3],gpu[01-02,07],login", ["dn1", "dn2", "dn3", "gpu01", "gpu02", "gpu07", "login"]],
  ["a,,b", ["a", "b"]],
  ["x[0-0]", ["x0"]],
  ["x[007]", ["x007"]],
  ["x[9-11]", ["x9", "x10", "x11"]],
  [" dn1 ", ["dn1"]],
  ["x[1-2],", ["x1", "x2"]],
  [",x", ["x"]],
  ["x[1-2][3-4]", ["x13", "x14", "x23", "x24"]],
  ["x[01-3]", ["x01", "x02", "x03"]],
  ["x[1-03]", ["x1", "x2", "x3"]],
  ["x[1-2]y[3]", ["x1y3", "x2y3"]],
  ["x[1-3,5]", ["x1", "x2", "x3", "x5"]],
  ["x[3,1]", ["x3", "x1"]],
  ["x[1-2],x[1]", ["x1", "x2", "x1"]],
  ["gpu[001-003]", ["gpu001", "gpu002", "gpu003"]],
  ["x[1-2]-ib[1]", ["x1-ib1", "x2-ib1"]],
  ["x[1]", ["x1"]],
  ["n-1[1-2]", ["n-11", "n-12"]],
  ["x[2-2]", ["x2"]],
  ["x[00-02]", ["x00", "x01", "x02"]],
  ["x[98-100]", ["x98", "x99", "x100"]],
  ["node[1-2],node[3-4]", ["node1", "node2", "node3", "node4"]],
  ["[1-2]", ["1", "2"]],
];

t.test("agrees with scontrol show hostnames", (t) => {
  for (const [list, names] of SCONTROL) t.same(expandHostlist(list), names, JSON.stringify(list));
  t.end();
});

t.test("plain names", (t) => {
  t.same(expandHostlist("dn1"), ["dn1"]);
  t.same(expandHostlist("login"), ["login"]);
  t.same(expandHostlist("a,b,c"), ["a", "b", "c"], "order kept");
  t.same(expandHostlist("c,a,b"), ["c", "a", "b"], "not sorted");
  t.same(expandHostlist("a,a"), ["a", "a"], "duplicates kept, as scontrol does");
  t.same(expandHostlist("node-01.cluster.example.org"), ["node-01.cluster.example.org"], "dots and dashes");
  t.same(expandHostlist("dn1-ib"), ["dn1-ib"]);
  t.same(expandHostlist("10.0.0.5"), ["10.0.0.5"], "an address is a name too");
  t.same(expandHostlist("dn-1"), ["dn-1"], "a dash outside brackets is part of the name");
  t.end();
});

t.test("empty lists and empty items", (t) => {
  t.same(expandHostlist(""), []);
  t.same(expandHostlist("   "), [], "blank");
  t.same(expandHostlist(","), []);
  t.same(expandHostlist(",,,"), []);
  t.same(expandHostlist("a,,b"), ["a", "b"]);
  t.same(expandHostlist(",a,"), ["a"]);
  t.same(expandHostlist("\tdn[1-2]\n"), ["dn1", "dn2"], "whitespace around the list is trimmed");
  t.end();
});

t.test("ranges", (t) => {
  t.same(expandHostlist("dn[1-3]"), ["dn1", "dn2", "dn3"]);
  t.same(expandHostlist("dn[5]"), ["dn5"], "a single number");
  t.same(expandHostlist("dn[0-2]"), ["dn0", "dn1", "dn2"], "from zero");
  t.same(expandHostlist("dn[4-4]"), ["dn4"], "a range of one");
  t.same(expandHostlist("dn[1,3,5]"), ["dn1", "dn3", "dn5"], "a list");
  t.same(expandHostlist("dn[1-2,5-6,9]"), ["dn1", "dn2", "dn5", "dn6", "dn9"], "ranges and numbers mixed");
  t.same(expandHostlist("dn[5,1-2]"), ["dn5", "dn1", "dn2"], "in the order written");
  const big = expandHostlist("n[1-1000]");
  t.equal(big.length, 1000);
  t.equal(big[0], "n1");
  t.equal(big[999], "n1000");
  t.equal(new Set(big).size, 1000, "all different");
  t.same(expandHostlist("[3-4]"), ["3", "4"], "no prefix");
  t.end();
});

t.test("zero padding", (t) => {
  t.same(expandHostlist("dn[08-10]"), ["dn08", "dn09", "dn10"], "kept across a change of digit count");
  t.same(expandHostlist("gpu[01-02,07]"), ["gpu01", "gpu02", "gpu07"]);
  t.same(expandHostlist("n[001-003]"), ["n001", "n002", "n003"]);
  t.same(expandHostlist("n[098-101]"), ["n098", "n099", "n100", "n101"]);
  t.same(expandHostlist("n[099-100]"), ["n099", "n100"]);
  t.same(expandHostlist("n[9-10]"), ["n9", "n10"], "no padding when the start has none");
  t.same(expandHostlist("n[00]"), ["n00"]);
  t.same(expandHostlist("n[0005]"), ["n0005"]);
  t.same(expandHostlist("n[01-3]"), ["n01", "n02", "n03"], "the start's width counts");
  t.same(expandHostlist("n[1-03]"), ["n1", "n2", "n3"], "the end's width does not");
  t.same(expandHostlist("n[08-100]").slice(-3), ["n98", "n99", "n100"], "wider numbers are not cut");
  t.same(expandHostlist("n[1,02,003]"), ["n1", "n02", "n003"], "each part has its own width");
  t.end();
});

t.test("several groups in one name: the cartesian product, leftmost slowest", (t) => {
  t.same(expandHostlist("r[1-2]n[1-2]"), ["r1n1", "r1n2", "r2n1", "r2n2"]);
  t.same(expandHostlist("r[1-2]n[1-3]"), ["r1n1", "r1n2", "r1n3", "r2n1", "r2n2", "r2n3"]);
  t.same(expandHostlist("r[1]n[1-2]"), ["r1n1", "r1n2"]);
  t.same(expandHostlist("r[1-2]n[7]"), ["r1n7", "r2n7"]);
  t.same(expandHostlist("r[1-2]-n[01,03]-ib"), ["r1-n01-ib", "r1-n03-ib", "r2-n01-ib", "r2-n03-ib"], "text between and after groups");
  t.same(
    expandHostlist("a[1-2]b[1-2]c[1-2]"),
    ["a1b1c1", "a1b1c2", "a1b2c1", "a1b2c2", "a2b1c1", "a2b1c2", "a2b2c1", "a2b2c2"],
    "three groups",
  );
  t.same(expandHostlist("x[1-2][3-4]"), ["x13", "x14", "x23", "x24"], "adjacent groups");
  t.same(expandHostlist("r[1-2]n[1-2],login,gpu[1]"), ["r1n1", "r1n2", "r2n1", "r2n2", "login", "gpu1"], "next to other items");
  t.end();
});

t.test("commas: items at the top level, numbers inside brackets", (t) => {
  t.same(expandHostlist("dn[1,2],gpu[3,4]"), ["dn1", "dn2", "gpu3", "gpu4"]);
  t.same(expandHostlist("dn[1-2],dn3"), ["dn1", "dn2", "dn3"]);
  t.same(expandHostlist("a[1,2]b[3,4]"), ["a1b3", "a1b4", "a2b3", "a2b4"], "commas in two groups of one name");
  t.same(expandHostlist("a[1,2],b"), ["a1", "a2", "b"]);
  t.same(expandHostlist("a,b[1,2]"), ["a", "b1", "b2"]);
  t.end();
});

t.test("malformed lists: a TypeError naming the list", (t) => {
  const bad = [
    "dn[1-",
    "dn[1-2",
    "dn[",
    "[",
    "dn]",
    "]",
    "dn[1-2]]",
    "a[1]]",
    "dn][1",
    "dn[a-b]",
    "dn[a]",
    "dn[1-b]",
    "dn[3-1]",
    "dn[10-9]",
    "dn[]",
    "dn[-1]",
    "dn[1-]",
    "dn[1--2]",
    "dn[1-2-3]",
    "dn[,1]",
    "dn[1,]",
    "dn[1,,2]",
    "dn[ 1]",
    "dn[1 ]",
    "dn[+1]",
    "dn[1.5]",
    "dn[0x1]",
    "a[1-[2]]",
    "a[[1]]",
    "a[1[2]]",
    "ok,dn[3-1]",
    "dn[1-2],bad]",
    "dn[1-2],[",
    "dn[٣]",
  ];
  for (const list of bad) {
    const err = caught(() => expandHostlist(list));
    t.equal((err as Error | undefined)?.constructor, TypeError, `${JSON.stringify(list)}: TypeError`);
    t.equal((err as Error | undefined)?.message, malformed(list), `${JSON.stringify(list)}: the message`);
  }
  t.end();
});

t.test("the message names the list as given, untrimmed", (t) => {
  const err = caught(() => expandHostlist("  dn[3-1] "));
  t.equal((err as Error).message, malformed("  dn[3-1] "));
  t.equal((err as Error).message, 'Not a Slurm host list: "  dn[3-1] " (expected names like "dn[1-3],gpu[01-02,07],login")');
  t.end();
});

t.test("the module's own example", (t) => {
  t.same(expandHostlist("dn[1-3],gpu[01-02,07],login"), ["dn1", "dn2", "dn3", "gpu01", "gpu02", "gpu07", "login"]);
  t.end();
});
