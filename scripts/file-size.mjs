// The small-files rule: a file in src/, managers/ or bin/ holds one concern, 50-200 lines being
// typical. A file over MAX_LINES lines says why it is one file, in a paragraph of its module
// comment (the first /** ... */ comment) that starts with the words "Why one file:". A long
// file without one is a finding: split it by concern, or say why its parts belong together.

/** The line count above which a file must say why it is one file. */
export const MAX_LINES = 200;

/** The words that open the paragraph saying why a long file is one file. */
export const WHY_ONE_FILE = "Why one file:";

/** Lines of a text, counted like `wc -l` (a last line without its newline still counts). */
export function lineCount(text) {
  if (text.length === 0) return 0;
  const newlines = text.split("\n").length - 1;
  return text.endsWith("\n") ? newlines : newlines + 1;
}

/** The file's module comment: its first /** ... *\/ comment, or undefined if it has none. */
export function moduleComment(text) {
  return /\/\*\*[\s\S]*?\*\//.exec(text)?.[0];
}

/**
 * The finding for one file, or null when it keeps the rule.
 * @param {string} file the path to name in the finding, relative to the repository root
 * @param {string} text the file's contents
 * @returns {string | null}
 */
export function checkFileSize(file, text) {
  const lines = lineCount(text);
  if (lines <= MAX_LINES) return null;
  if (moduleComment(text)?.includes(WHY_ONE_FILE)) return null;
  return (
    `${file} has ${lines} lines (over ${MAX_LINES}) and its module comment does not say why it is one file: ` +
    `split it into files of one concern each, or add a paragraph starting "${WHY_ONE_FILE}" to its first /** ... */ comment`
  );
}
