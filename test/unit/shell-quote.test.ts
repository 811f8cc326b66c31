import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import t from "tap";
import { joinCommand, quoteCsh, quoteFor, quotePosix, type RemoteShell } from "../../managers/ssh/shell-quote.ts";
import { caught } from "../helpers/unit.ts";

// Strings that break naive quoting, in one shell family or the other.
const TRICKY = [
  "",
  " ",
  "   ",
  "plain",
  "a b",
  "'",
  "''",
  "it's",
  "'leading",
  "trailing'",
  '"',
  `"double" and 'single'`,
  "$HOME",
  "${HOME}",
  "$(id)",
  "`id`",
  "$",
  "!",
  "!!",
  "a!b",
  "!$",
  "!-1",
  "hi!",
  "^a^b",
  "\n",
  "a\nb",
  "line1\nline2\n",
  "\n\n",
  "\\",
  "\\\\",
  "a\\b",
  "trailing\\",
  "\\\n",
  "\\!",
  "\\'",
  "\t",
  "a\tb",
  "a\rb",
  "*",
  "*.js",
  "?",
  "[ab]",
  "{a,b}",
  "~",
  "~root",
  "a;b",
  "a&b",
  "a|b",
  "a>b",
  "<a",
  "(a)",
  "#comment",
  "a #b",
  "=x",
  "=-",
  "=0",
  "%1",
  "@a",
  "-n",
  "--flag=value",
  "héllo wörld",
  "日本語",
  "emoji 🎉!",
  "a=b",
  "user@host:/path/to/file.js",
  "50%,+1",
];

// An argv printer that shows exactly the words a shell handed over.
const ECHO_ARGV = "process.stdout.write(JSON.stringify(process.argv.slice(1)))";

/** The assertions the helpers below need (any tap Test has them). */
interface Asserts {
  equal(found: unknown, wanted: unknown, message: string): unknown;
  same(found: unknown, wanted: unknown, message: string): unknown;
}

/** Round-trips every tricky string through `shell -c 'printf %s <quoted>'`. */
function roundTrip(t: Asserts, shellPath: string, quote: (s: string) => string): void {
  for (const s of TRICKY) {
    const out = execFileSync(shellPath, ["-c", `printf %s ${quote(s)}`], { encoding: "utf8" });
    t.equal(out, s, `${shellPath}: ${JSON.stringify(s)} as ${quote(s)}`);
  }
}

/** Runs a joined command line and checks the program saw exactly these arguments. */
function argvRoundTrip(t: Asserts, shellPath: string, family: RemoteShell): void {
  const command = joinCommand(family, [process.execPath, "-e", ECHO_ARGV, ...TRICKY]);
  const out = execFileSync(shellPath, ["-c", command], { encoding: "utf8" });
  t.same(JSON.parse(out), TRICKY, `${shellPath}: all ${TRICKY.length} arguments arrive intact in one command line`);
}

t.test("quotePosix: expected strings", (t) => {
  const cases: [string, string][] = [
    ["plain", "plain"],
    ["A-Za-z0-9_@%+=:,./-", "A-Za-z0-9_@%+=:,./-"],
    ["/usr/bin/node", "/usr/bin/node"],
    ["--port=9000", "--port=9000"],
    ["user@host:22", "user@host:22"],
    ["", "''"],
    [" ", "' '"],
    ["a b", "'a b'"],
    ["it's", "'it'\\''s'"],
    ["'", "''\\'''"],
    ["$HOME", "'$HOME'"],
    ["`id`", "'`id`'"],
    ["a!b", "'a!b'"],
    ["a\nb", "'a\nb'"],
    ["a\\b", "'a\\b'"],
    ["*", "'*'"],
    ["~", "'~'"],
    ["=x", "'=x'"],
    ["a=x", "a=x"],
    ["héllo", "'héllo'"],
  ];
  for (const [input, want] of cases) t.equal(quotePosix(input), want, `quotePosix(${JSON.stringify(input)})`);
  t.end();
});

t.test("quoteCsh: expected strings", (t) => {
  const cases: [string, string][] = [
    ["plain", "plain"],
    ["A-Za-z0-9_@%+=:,./-", "A-Za-z0-9_@%+=:,./-"],
    ["", "''"],
    ["a b", "'a b'"],
    ["it's", "'it'\\''s'"],
    ["hi!", "'hi\\!'"],
    ["!!", "'\\!\\!'"],
    ["a\nb", "'a\\\nb'"],
    ["\\!", "'\\\\!'"],
    ["a\\b", "'a\\b'"],
    ["$HOME", "'$HOME'"],
    ["=-", "'=-'"],
    ["日本", "'日本'"],
  ];
  for (const [input, want] of cases) t.equal(quoteCsh(input), want, `quoteCsh(${JSON.stringify(input)})`);
  t.end();
});

t.test("quoteFor and joinCommand", (t) => {
  t.equal(quoteFor("posix", "a!"), "'a!'");
  t.equal(quoteFor("csh", "a!"), "'a\\!'");
  t.equal(joinCommand("posix", ["node", "worker.js", "--name", "it's mine"]), "node worker.js --name 'it'\\''s mine'");
  t.equal(joinCommand("csh", ["echo", "hi!", ""]), "echo 'hi\\!' ''");
  t.equal(joinCommand("posix", ["A=1", "A=1"]), "'A=1' A=1", "a first word that would be an assignment is quoted");
  t.equal(joinCommand("posix", ["if", "if"]), "'if' if", "a first word that would be a keyword is quoted");
  t.equal(joinCommand("csh", ["A=1"]), "A=1", "csh has no prefix assignments");
  t.equal(joinCommand("posix", ["only"]), "only");
  t.end();
});

t.test("bad arguments", (t) => {
  const message = (fn: () => unknown): unknown => (caught(fn) as Error | undefined)?.message;
  t.equal(message(() => quotePosix(3 as never)), "quotePosix expects a string, got number");
  t.equal(message(() => quoteCsh(null as never)), "quoteCsh expects a string, got null");
  t.equal(message(() => quotePosix("a\0b")), `quotePosix: "a\\u0000b" contains a NUL character, which no shell can pass on; remove it`);
  t.equal(message(() => quoteCsh("\0")), `quoteCsh: "\\u0000" contains a NUL character, which no shell can pass on; remove it`);
  t.equal(message(() => quoteFor("fish" as never, "x")), `Remote shell must be "posix" or "csh", got "fish"`);
  t.equal(
    message(() => joinCommand("posix", [])),
    "joinCommand needs at least the program to run, got []; an empty command would start an interactive shell",
  );
  t.equal(message(() => joinCommand("posix", "ls" as never)), "joinCommand expects an array of strings, got string");
  t.equal(message(() => joinCommand("posix", ["ls", 1 as never])), "quotePosix expects a string, got number");
  for (const fn of [() => quotePosix(3 as never), () => quoteFor("fish" as never, "x"), () => joinCommand("csh", [])]) {
    t.type(caught(fn), TypeError);
  }
  t.end();
});

t.test("POSIX round trip through real shells", (t) => {
  const shells = ["/bin/sh", "/bin/dash", "/bin/bash", "/usr/bin/zsh", "/bin/ksh"].filter((p) => existsSync(p));
  t.ok(shells.includes("/bin/sh"), "/bin/sh exists");
  for (const sh of shells) {
    roundTrip(t, sh, quotePosix);
    argvRoundTrip(t, sh, "posix");
  }
  t.end();
});

t.test("csh round trip through real shells", (t) => {
  const shells = ["/bin/csh", "/bin/tcsh"].filter((p) => existsSync(p));
  if (shells.length === 0) {
    // Not skipped in silence: without csh or tcsh here, the quoting is checked only against the
    // expected strings above (install the `csh` or `tcsh` package to run the real round trip).
    t.comment("no /bin/csh or /bin/tcsh on this machine: quoteCsh is checked against expected strings only");
    t.pass("quoteCsh expected strings were checked above");
  }
  for (const sh of shells) {
    roundTrip(t, sh, quoteCsh);
    argvRoundTrip(t, sh, "csh");
  }
  t.end();
});

t.test("the other family's quoting really fails, so the round trips test something", (t) => {
  if (existsSync("/bin/csh")) {
    const err = caught(() => execFileSync("/bin/csh", ["-c", `printf %s ${quotePosix("a!b")}`], { encoding: "utf8", stdio: "pipe" }));
    t.ok(err instanceof Error, "posix quoting of ! breaks in csh (history substitution)");
  }
  t.equal(
    execFileSync("/bin/sh", ["-c", `printf %s ${quoteCsh("a!b")}`], { encoding: "utf8" }),
    "a\\!b",
    "csh quoting of ! leaves a backslash in sh",
  );
  t.end();
});
