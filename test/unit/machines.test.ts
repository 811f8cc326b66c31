import t from "tap";
import {
  describeMachine,
  destination,
  type MachineEntry,
  type MachineSpec,
  parseMachine,
  parseMachineFile,
  parseMachines,
} from "../../managers/ssh/machines.ts";
import { throwsExactly } from "../helpers/unit.ts";

const FORM = "(expected [count*][user@]host[:port] [bind_addr[:port]])";
const PAIR = `(expected ["[user@]host[:port] [bind_addr[:port]]", count])`;

t.test("host strings: names, users, ports, IPv4", (t) => {
  t.same(parseMachine("node1"), { host: "node1", count: 1, source: "node1" });
  t.same(parseMachine("alice@node2:2222"), { user: "alice", host: "node2", port: 2222, count: 1, source: "alice@node2:2222" });
  t.same(parseMachine("10.0.0.7:22"), { host: "10.0.0.7", port: 22, count: 1, source: "10.0.0.7:22" });
  t.same(parseMachine("a.b-c_d.example.org"), { host: "a.b-c_d.example.org", count: 1, source: "a.b-c_d.example.org" });
  t.same(parseMachine("j.doe_2-x@h"), { user: "j.doe_2-x", host: "h", count: 1, source: "j.doe_2-x@h" });
  t.equal(parseMachine("h:1").port, 1, "lowest port");
  t.equal(parseMachine("h:65535").port, 65535, "highest port");
  t.equal(parseMachine("h:022").port, 22, "leading zeros are decimal");
  t.same(parseMachine("  \tnode1 \t "), { host: "node1", count: 1, source: "node1" }, "whitespace around is trimmed, source too");
  t.equal(parseMachine("255.255.255.255").host, "255.255.255.255");
  t.equal(parseMachine("0.0.0.0").host, "0.0.0.0");
  t.end();
});

t.test("host strings: IPv6, bracketed and bare", (t) => {
  t.same(parseMachine("[::1]:22"), { host: "::1", port: 22, count: 1, source: "[::1]:22" });
  t.same(parseMachine("alice@[fe80::1]:2222"), { user: "alice", host: "fe80::1", port: 2222, count: 1, source: "alice@[fe80::1]:2222" });
  t.same(parseMachine("[::1]"), { host: "::1", count: 1, source: "[::1]" });
  t.same(parseMachine("::1"), { host: "::1", count: 1, source: "::1" }, "bare IPv6: no port");
  t.same(parseMachine("fe80::1:22"), { host: "fe80::1:22", count: 1, source: "fe80::1:22" }, "a bare IPv6 address never has a port");
  t.equal(parseMachine("bob@2001:db8:0:0:0:0:0:1").host, "2001:db8:0:0:0:0:0:1", "eight groups, no ::");
  t.equal(parseMachine("[::]").host, "::");
  t.equal(parseMachine("[::ffff:192.0.2.1]:22").host, "::ffff:192.0.2.1", "IPv4 tail");
  t.equal(parseMachine("[fe80::1%eth0]").host, "fe80::1%eth0", "zone id");
  t.equal(parseMachine("[FE80::ABCD]").host, "FE80::ABCD", "upper-case hex, kept as written");
  t.end();
});

t.test("counts: prefix in strings and files, second element in pairs", (t) => {
  t.same(parseMachine("4*node1"), { host: "node1", count: 4, source: "4*node1" });
  t.same(parseMachine("auto*alice@node1"), { user: "alice", host: "node1", count: "auto", source: "auto*alice@node1" });
  t.same(parseMachine("2 * node1"), { host: "node1", count: 2, source: "2 * node1" }, "spaces around * are fine");
  t.same(parseMachine(["node1", 3]), { host: "node1", count: 3, source: `["node1", 3]` });
  t.same(parseMachine(["bob@[::1]:2200 10.1.1.1:9000", "auto"]), {
    user: "bob",
    host: "::1",
    port: 2200,
    count: "auto",
    bindAddr: "10.1.1.1",
    bindPort: 9000,
    source: `["bob@[::1]:2200 10.1.1.1:9000", "auto"]`,
  });
  t.equal(parseMachine(["n", Number.MAX_SAFE_INTEGER]).count, Number.MAX_SAFE_INTEGER);
  t.end();
});

t.test("bind addresses", (t) => {
  t.same(parseMachine("node1 10.0.0.1"), { host: "node1", count: 1, bindAddr: "10.0.0.1", source: "node1 10.0.0.1" });
  t.same(parseMachine("node1   10.0.0.1:9000"), {
    host: "node1",
    count: 1,
    bindAddr: "10.0.0.1",
    bindPort: 9000,
    source: "node1   10.0.0.1:9000",
  });
  t.same(parseMachine("node1 [::1]:9000"), { host: "node1", count: 1, bindAddr: "::1", bindPort: 9000, source: "node1 [::1]:9000" });
  t.same(parseMachine("node1 fe80::2"), { host: "node1", count: 1, bindAddr: "fe80::2", source: "node1 fe80::2" });
  t.same(parseMachine("node1 node1-ib"), { host: "node1", count: 1, bindAddr: "node1-ib", source: "node1 node1-ib" });
  t.end();
});

t.test("destination and describeMachine", (t) => {
  const cases: [string, string, string][] = [
    ["node1", "node1", "node1"],
    ["alice@node2:2222", "alice@node2", "alice@node2:2222"],
    ["3*alice@node2 10.0.0.2:9", "alice@node2", "alice@node2"],
    ["[::1]:22", "::1", "[::1]:22"],
    ["alice@[fe80::1]:2222", "alice@fe80::1", "alice@[fe80::1]:2222"],
    ["::1", "::1", "[::1]"],
    ["10.0.0.1:2022", "10.0.0.1", "10.0.0.1:2022"],
  ];
  for (const [input, dest, described] of cases) {
    const spec = parseMachine(input);
    t.equal(destination(spec), dest, `destination of ${input}`);
    t.equal(describeMachine(spec), described, `describeMachine of ${input}`);
  }
  const handMade: MachineSpec = { host: "h", count: 1, source: "h" };
  t.equal(destination(handMade), "h");
  t.end();
});

t.test("parseMachines: lists, and errors name the index", (t) => {
  const specs = parseMachines(["node1", ["node2", 4], "2*bob@node3", ["node4", "auto"]]);
  t.same(specs.map((s) => [destination(s), s.count]), [["node1", 1], ["node2", 4], ["bob@node3", 2], ["node4", "auto"]]);
  throwsExactly(
    t,
    () => parseMachines([]),
    TypeError,
    `Machines: no hosts in [] (expected at least one "[count*][user@]host[:port] [bind_addr[:port]]" or ["[user@]host[:port] [bind_addr[:port]]", count])`,
  );
  throwsExactly(
    t,
    () => parseMachines("node1" as never),
    TypeError,
    `Machines must be an array of host strings or [host, count] pairs, got "node1"`,
  );
  throwsExactly(
    t,
    () => parseMachines(["node1", "node2", "node;3"]),
    TypeError,
    `Machine at index 2: host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "node;3" in "node;3" ${FORM}`,
  );
  throwsExactly(
    t,
    () => parseMachines(["node1", ["node2", 0]]),
    RangeError,
    `Machine at index 1: count must be a positive integer or "auto", got 0 in ["node2", 0] ${PAIR}`,
  );
  throwsExactly(
    t,
    () => parseMachines(["node1", 42 as never]),
    TypeError,
    `Machine at index 1: expected a host string or a [host, count] pair, got 42 (expected "[count*][user@]host[:port] [bind_addr[:port]]" or ["[user@]host[:port] [bind_addr[:port]]", count])`,
  );
  t.end();
});

t.test("string errors: every rule, exact messages", (t) => {
  const bad: [string, typeof TypeError | typeof RangeError, string][] = [
    ["", TypeError, "host is missing"],
    ["   ", TypeError, "host is missing"],
    ["2*", TypeError, "host is missing"],
    ["alice@", TypeError, "host is missing"],
    [":22", TypeError, "host is missing"],
    ["alice@:22", TypeError, "host is missing"],
    ["0*node1", RangeError, `count must be a positive integer or "auto", got "0"`],
    ["00*node1", RangeError, `count must be a positive integer or "auto", got "00"`],
    ["99999999999999999999*node1", RangeError, `count must be a positive integer or "auto", got "99999999999999999999"`],
    ["-1*node1", TypeError, `count must be a positive integer or "auto", got "-1"`],
    ["1.5*node1", TypeError, `count must be a positive integer or "auto", got "1.5"`],
    ["+2*node1", TypeError, `count must be a positive integer or "auto", got "+2"`],
    ["Auto*node1", TypeError, `count must be a positive integer or "auto", got "Auto"`],
    ["*node1", TypeError, `count must be a positive integer or "auto", got ""`],
    ["node1*", TypeError, `count must be a positive integer or "auto", got "node1"`],
    ["2**node1", TypeError, `host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "*node1"`],
    ["node1:0", RangeError, `port must be an integer from 1 to 65535, got "0"`],
    ["node1:65536", RangeError, `port must be an integer from 1 to 65535, got "65536"`],
    ["node1:", TypeError, `port must be an integer from 1 to 65535, got ""`],
    ["node1:ssh", TypeError, `port must be an integer from 1 to 65535, got "ssh"`],
    ["node1:-22", TypeError, `port must be an integer from 1 to 65535, got "-22"`],
    ["[::1]:0", RangeError, `port must be an integer from 1 to 65535, got "0"`],
    ["@node1", TypeError, `user must be letters, digits, ".", "_" or "-" and not start with "-", got ""`],
    ["-oProxyCommand@node1", TypeError, `user must be letters, digits, ".", "_" or "-" and not start with "-", got "-oProxyCommand"`],
    ["al$ice@node1", TypeError, `user must be letters, digits, ".", "_" or "-" and not start with "-", got "al$ice"`],
    ["a@b@node1", TypeError, `host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "b@node1"`],
    [
      "-oProxyCommand=touch",
      TypeError,
      `host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "-oProxyCommand=touch"`,
    ],
    ["-v", TypeError, `host must not start with "-" (ssh would read it as an option), got "-v"`],
    ["alice@-v", TypeError, `host must not start with "-" (ssh would read it as an option), got "-v"`],
    ["node`id`", TypeError, `host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "node\`id\`"`],
    ["node$(id)", TypeError, `host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "node$(id)"`],
    ["node1;rm", TypeError, `host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "node1;rm"`],
    ["node'1", TypeError, `host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "node'1"`],
    ["nöde", TypeError, `host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "nöde"`],
    ["node1#x", TypeError, `host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "node1#x"`],
    ["256.1.1.1", RangeError, `host looks like an IPv4 address but is not four numbers from 0 to 255, got "256.1.1.1"`],
    ["1.2.3", TypeError, `host looks like an IPv4 address but is not four numbers from 0 to 255, got "1.2.3"`],
    ["1.2.3.4.5", TypeError, `host looks like an IPv4 address but is not four numbers from 0 to 255, got "1.2.3.4.5"`],
    ["12345", TypeError, `host looks like an IPv4 address but is not four numbers from 0 to 255, got "12345"`],
    ["[::1", TypeError, `host "[::1" is missing its closing "]"`],
    ["[node1]:22", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[node1]"`],
    ["[1.2.3.4]", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[1.2.3.4]"`],
    ["[::g]", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[::g]"`],
    ["[1::2::3]", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[1::2::3]"`],
    ["[1:2:3:4:5:6:7]", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[1:2:3:4:5:6:7]"`],
    ["[1:2:3:4:5:6:7:8:9]", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[1:2:3:4:5:6:7:8:9]"`],
    ["[12345::1]", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[12345::1]"`],
    ["[fe80::1%]", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[fe80::1%]"`],
    ["[fe80::1%a;b]", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[fe80::1%a;b]"`],
    ["[::ffff:300.0.0.1]", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[::ffff:300.0.0.1]"`],
    ["[]", TypeError, `host in brackets must be an IPv6 address (hex groups and ":"), got "[]"`],
    ["[::1]22", TypeError, `only ":port" may follow "]", got "22"`],
    ["node1:22:33", TypeError, `host has more than one ":" but is not an IPv6 address, got "node1:22:33"`],
    ["node1 10.0.0.1 extra", TypeError, `unexpected text after the bind address, got "extra"`],
    ["node1 a b c", TypeError, `unexpected text after the bind address, got "b c"`],
    ["node1 bob@10.0.0.1", TypeError, `the bind address takes no user, got "bob@10.0.0.1"`],
    ["node1 :9000", TypeError, "bind address is missing"],
    ["node1 10.0.0.1:0", RangeError, `bind port must be an integer from 1 to 65535, got "0"`],
    ["node1 10.0.0.1:x", TypeError, `bind port must be an integer from 1 to 65535, got "x"`],
    ["node1 [::1]x", TypeError, `only ":bind port" may follow "]", got "x"`],
    ["node1 [bind]", TypeError, `bind address in brackets must be an IPv6 address (hex groups and ":"), got "[bind]"`],
    ["node1 b:1:x", TypeError, `bind address has more than one ":" but is not an IPv6 address, got "b:1:x"`],
    ["node1 -bind", TypeError, `bind address must not start with "-" (ssh would read it as an option), got "-bind"`],
    ["node1 bind*x", TypeError, `bind address must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "bind*x"`],
    ["node1 999.0.0.1", RangeError, `bind address looks like an IPv4 address but is not four numbers from 0 to 255, got "999.0.0.1"`],
  ];
  for (const [input, Type, what] of bad) {
    throwsExactly(t, () => parseMachine(input), Type, `Machine: ${what} in ${JSON.stringify(input.trim())} ${FORM}`);
  }
  t.end();
});

t.test("pair errors: exact messages", (t) => {
  const bad: [unknown, typeof TypeError | typeof RangeError, string][] = [
    [
      ["2*node1", 3],
      TypeError,
      `Machine: a "count*" prefix is not allowed when the count is the pair's second element, got "2*node1" in ["2*node1", 3] ${PAIR}`,
    ],
    [
      ["auto * node1", 3],
      TypeError,
      `Machine: a "count*" prefix is not allowed when the count is the pair's second element, got "auto * node1" in ["auto * node1", 3] ${PAIR}`,
    ],
    [["node1", 0], RangeError, `Machine: count must be a positive integer or "auto", got 0 in ["node1", 0] ${PAIR}`],
    [["node1", -2], RangeError, `Machine: count must be a positive integer or "auto", got -2 in ["node1", -2] ${PAIR}`],
    [
      ["node1", 2 ** 60],
      RangeError,
      `Machine: count must be a positive integer or "auto", got 1152921504606847000 in ["node1", 1152921504606847000] ${PAIR}`,
    ],
    [["node1", 1.5], TypeError, `Machine: count must be a positive integer or "auto", got 1.5 in ["node1", 1.5] ${PAIR}`],
    [["node1", NaN], TypeError, `Machine: count must be a positive integer or "auto", got NaN in ["node1", NaN] ${PAIR}`],
    [["node1", "3"], TypeError, `Machine: count must be a positive integer or "auto", got "3" in ["node1", "3"] ${PAIR}`],
    [["node1", null], TypeError, `Machine: count must be a positive integer or "auto", got null in ["node1", null] ${PAIR}`],
    [["node1:0", 2], RangeError, `Machine: port must be an integer from 1 to 65535, got "0" in ["node1:0", 2] ${PAIR}`],
    [["", 2], TypeError, `Machine: host is missing in ["", 2] ${PAIR}`],
  ];
  for (const [input, Type, message] of bad) throwsExactly(t, () => parseMachine(input as MachineEntry), Type, message);
  const either = `(expected "[count*][user@]host[:port] [bind_addr[:port]]" or ["[user@]host[:port] [bind_addr[:port]]", count])`;
  throwsExactly(
    t,
    () => parseMachine(["node1"] as never),
    TypeError,
    `Machine: expected a host string or a [host, count] pair, got an array of 1 ${either}`,
  );
  throwsExactly(
    t,
    () => parseMachine(["node1", 2, 3] as never),
    TypeError,
    `Machine: expected a host string or a [host, count] pair, got an array of 3 ${either}`,
  );
  throwsExactly(
    t,
    () => parseMachine([2, "node1"] as never),
    TypeError,
    `Machine: expected a host string or a [host, count] pair, got an array of 2 ${either}`,
  );
  throwsExactly(
    t,
    () => parseMachine(undefined as never),
    TypeError,
    `Machine: expected a host string or a [host, count] pair, got undefined ${either}`,
  );
  throwsExactly(
    t,
    () => parseMachine({ host: "x" } as never),
    TypeError,
    `Machine: expected a host string or a [host, count] pair, got object ${either}`,
  );
  t.end();
});

t.test("a machine file parses to the expected specs", (t) => {
  const text = [
    "\uFEFF# cluster for the nightly run",
    "node1",
    "",
    "   4*alice@node2:2222   10.0.0.2  # the big one",
    "auto*node3 10.0.0.3:9000\r",
    "\t2 * [fe80::1]:22 [fe80::2]:9001",
    "auto*bob@[::1]",
    "#  commented*out",
    "10.0.0.9",
    "   ",
  ].join("\n");
  t.same(parseMachineFile(text, "hosts.txt"), [
    { host: "node1", count: 1, source: "node1" },
    { user: "alice", host: "node2", port: 2222, count: 4, bindAddr: "10.0.0.2", source: "4*alice@node2:2222   10.0.0.2" },
    { host: "node3", count: "auto", bindAddr: "10.0.0.3", bindPort: 9000, source: "auto*node3 10.0.0.3:9000" },
    { host: "fe80::1", port: 22, count: 2, bindAddr: "fe80::2", bindPort: 9001, source: "2 * [fe80::1]:22 [fe80::2]:9001" },
    { user: "bob", host: "::1", count: "auto", source: "auto*bob@[::1]" },
    { host: "10.0.0.9", count: 1, source: "10.0.0.9" },
  ]);
  t.same(parseMachineFile("a\r\nb\r\n\r\n2*c\r\n").map(describeMachine), ["a", "b", "c"], "CRLF");
  t.same(parseMachineFile("a\rb").map(describeMachine), ["a", "b"], "old Mac line ends");
  t.same(parseMachineFile("a#comment right after").map(describeMachine), ["a"]);
  t.end();
});

t.test("machine file errors name file and line", (t) => {
  throwsExactly(
    t,
    () => parseMachineFile("node1\n# two\n0*node1\n", "hosts.txt"),
    RangeError,
    `Machine file hosts.txt line 3: count must be a positive integer or "auto", got "0" in "0*node1" ${FORM}`,
  );
  throwsExactly(
    t,
    () => parseMachineFile("a\r\nb\r\nc d e\r\n"),
    TypeError,
    `Machine file line 3: unexpected text after the bind address, got "e" in "c d e" ${FORM}`,
  );
  throwsExactly(
    t,
    () => parseMachineFile("ok\n  bad;host   # note\n", "m"),
    TypeError,
    `Machine file m line 2: host must be letters, digits, ".", "_" or "-" (or an IPv6 address in brackets), got "bad;host" in "bad;host" ${FORM}`,
  );
  const noHosts = `no hosts (expected lines of the form [count*][user@]host[:port] [bind_addr[:port]]; "#" starts a comment)`;
  throwsExactly(t, () => parseMachineFile("", "hosts.txt"), TypeError, `Machine file hosts.txt: ${noHosts}`);
  throwsExactly(t, () => parseMachineFile("# only\n\n   \r\n# comments\n"), TypeError, `Machine file: ${noHosts}`);
  throwsExactly(t, () => parseMachineFile(undefined as never), TypeError, "Machine file text must be a string, got undefined");
  t.end();
});
