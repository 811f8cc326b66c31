/**
 * Quoting for the remote shell. ssh does not pass an argument vector: it joins its command
 * arguments into one string and the user's login shell on the remote host parses it (`$SHELL -c`).
 * So every argument of a remote command is quoted here, for the family of that shell.
 *
 * - `"posix"`: sh, dash, bash, ksh, zsh. Single quotes; `'` is written `'\''`.
 * - `"csh"`: csh and tcsh. As posix, and since history substitution happens even inside single
 *   quotes (also under `csh -c`), `!` is written `\!`; a newline inside quotes must be `\`+newline.
 *
 * fish is not supported (inside its single quotes `\'` is an escape); on such hosts run the
 * command through `sh -c`. A NUL character cannot travel through any shell and is refused.
 *
 * @example
 * ```ts
 * import { joinCommand } from "./shell-quote.ts";
 * joinCommand("posix", ["node", "worker.js", "--name", "it's mine"]);
 * // => node worker.js --name 'it'\''s mine'
 * ```
 * @module
 */

/** The family of the login shell on the remote host, which decides how arguments are quoted. */
export type RemoteShell = "posix" | "csh";

// Words made only of these need no quotes in either family. A leading "=" is quoted anyway:
// zsh expands `=cmd` to the command's path and tcsh expands `=-`, `=0` to directory-stack entries.
const PLAIN = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/;

// Shell keywords: as the first word of a command they would be syntax, not the program name.
const POSIX_KEYWORDS = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "case",
  "esac",
  "while",
  "until",
  "for",
  "in",
  "function",
  "select",
  "time",
  "coproc",
]);
// `NAME=value` as the first word would be a variable assignment, not the program name.
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function checkArg(arg: unknown, fn: string): asserts arg is string {
  if (typeof arg !== "string") throw new TypeError(`${fn} expects a string, got ${arg === null ? "null" : typeof arg}`);
  if (arg.includes("\0")) {
    throw new TypeError(`${fn}: ${JSON.stringify(arg)} contains a NUL character, which no shell can pass on; remove it`);
  }
}

/**
 * Quotes one argument for a POSIX shell (sh, dash, bash, ksh, zsh): plain words are left as they
 * are, anything else goes in single quotes, with `'` written as `'\''`.
 *
 * @example
 * ```ts
 * quotePosix("worker.js"); // => worker.js
 * quotePosix("");          // => ''
 * quotePosix("a b$c");     // => 'a b$c'
 * quotePosix("it's");      // => 'it'\''s'
 * ```
 */
export function quotePosix(arg: string): string {
  checkArg(arg, "quotePosix");
  if (PLAIN.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Quotes one argument for csh or tcsh: as {@link quotePosix}, and inside the quotes `!` becomes
 * `\!` and a newline becomes `\` followed by the newline (other backslashes are literal there).
 *
 * @example
 * ```ts
 * quoteCsh("worker.js"); // => worker.js
 * quoteCsh("hi!");       // => 'hi\!'
 * quoteCsh("it's");      // => 'it'\''s'
 * quoteCsh("a\nb");      // => 'a\
 *                        //    b'
 * ```
 */
export function quoteCsh(arg: string): string {
  checkArg(arg, "quoteCsh");
  if (PLAIN.test(arg)) return arg;
  const body = arg.replaceAll("'", `'\\''`).replaceAll("!", "\\!").replaceAll("\n", "\\\n");
  return `'${body}'`;
}

/**
 * Quotes one argument for the given shell family.
 *
 * @example
 * ```ts
 * quoteFor("posix", "a!"); // => 'a!'
 * quoteFor("csh", "a!");   // => 'a\!'
 * ```
 */
export function quoteFor(shell: RemoteShell, arg: string): string {
  if (shell === "posix") return quotePosix(arg);
  if (shell === "csh") return quoteCsh(arg);
  throw new TypeError(`Remote shell must be "posix" or "csh", got ${JSON.stringify(shell)}`);
}

/**
 * Joins an argument vector into the one command string ssh hands to the remote shell, so that
 * the shell runs `args[0]` with exactly `args.slice(1)`. For posix shells the first word is also
 * quoted when it would otherwise read as a keyword (`if`) or an assignment (`A=1`).
 *
 * @example
 * ```ts
 * joinCommand("posix", ["node", "-e", "console.log('hi')"]);
 * // => node -e 'console.log('\''hi'\'')'
 * joinCommand("csh", ["echo", "hi!"]); // => echo 'hi\!'
 * ```
 */
export function joinCommand(shell: RemoteShell, args: readonly string[]): string {
  if (!Array.isArray(args)) throw new TypeError(`joinCommand expects an array of strings, got ${args === null ? "null" : typeof args}`);
  if (args.length === 0) {
    throw new TypeError("joinCommand needs at least the program to run, got []; an empty command would start an interactive shell");
  }
  return args
    .map((arg, i) => {
      const quoted = quoteFor(shell, arg);
      if (i === 0 && shell === "posix" && quoted === arg && (POSIX_KEYWORDS.has(arg) || ASSIGNMENT.test(arg))) return `'${arg}'`;
      return quoted;
    })
    .join(" ");
}
