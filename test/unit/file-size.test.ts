// Unit tests of scripts/file-size.mjs: which files the small-files rule reports (the check itself
// runs on the real tree in `npm run check`).
import t from "tap";

interface FileSize {
  MAX_LINES: number;
  lineCount(text: string): number;
  moduleComment(text: string): string | undefined;
  checkFileSize(file: string, text: string): string | null;
}
// scripts/ is plain JavaScript beside the tree; dist/test/unit/ is three floors below the root.
const rule = (await import(new URL("../../../scripts/file-size.mjs", import.meta.url).href)) as FileSize;
const body = (lines: number): string => Array.from({ length: lines }, (_, i) => `export const x${i} = ${i};\n`).join("");
const withComment = (comment: string, lines: number): string => `${comment}\n${body(lines - comment.split("\n").length)}`;

t.test("lines are counted like wc -l, a last line without its newline included", async (t) => {
  t.equal(rule.lineCount(""), 0);
  t.equal(rule.lineCount("a\nb\n"), 2);
  t.equal(rule.lineCount("a\nb"), 2);
});

t.test("a file of up to 200 lines passes without a word", async (t) => {
  t.equal(rule.checkFileSize("src/a.ts", body(rule.MAX_LINES)), null);
});

t.test("a longer file is reported with its path, its line count and what to do", async (t) => {
  const found = rule.checkFileSize("src/remote/long.ts", withComment("/** Does things. */", 250));
  t.match(found, /^src\/remote\/long\.ts has 250 lines \(over 200\)/);
  t.match(found, /split it into files of one concern each, or add a paragraph starting "Why one file:"/);
});

t.test("a longer file whose module comment says why it is one file passes", async (t) => {
  const comment = "/**\n * Does things.\n *\n * Why one file: the reader and the writer share one socket's state.\n * @module\n */";
  t.equal(rule.checkFileSize("src/remote/long.ts", withComment(comment, 250)), null);
});

t.test("the words count only in the module comment, the file's first doc comment", async (t) => {
  const text = `/** Does things. */\n/** Why one file: said too late, on a function. */\n${body(250)}`;
  t.equal(rule.moduleComment(text), "/** Does things. */");
  t.not(rule.checkFileSize("src/remote/long.ts", text), null);
  t.not(rule.checkFileSize("src/remote/long.ts", `// Why one file: a line comment is not the module comment.\n${body(250)}`), null);
});
