// Generates docs/api.md, the API reference, from the doc comments of the public exports of
// src/mod.ts ("distributed") and managers/mod.ts ("distributed/managers"), with the TypeScript
// compiler API: for each export its kind, its signatures (functions, constructors, public members,
// interface members, type aliases), its doc comment and @example blocks, grouped by entry point
// and by the source file that declares it. The output is deterministic: files sorted by path,
// symbols by name, no dates, paths relative to the repository.
//   node scripts/api-docs.mjs           writes docs/api.md
//   node scripts/api-docs.mjs --check   exits 1 if docs/api.md is not what it would write
//   node scripts/api-docs.mjs --report  also lists exports without a doc comment or an @example
// scripts/check.mjs imports checkApiDocs() so `npm test` fails on a stale reference.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const OUT = path.join(root, "docs", "api.md");

const ENTRIES = [
  {
    name: "distributed",
    file: "src/mod.ts",
    intro:
      "The package entry: everything a script imports. Every process's Main scope starts with these names, so shipped code can use them without importing.",
  },
  {
    name: "distributed/managers",
    file: "managers/mod.ts",
    intro:
      "Cluster managers and the helpers behind them. `addprocs(n)` and `addprocs(machines)` pick a manager by themselves; import from here to pass one explicitly.",
  },
];

// ---------- reading doc comments ----------

/** The `/** ... *\/` comment right before `node` (or its statement, for a variable), as lines without the ` * ` margin. */
function rawDoc(node, sf) {
  const host = ts.isVariableDeclaration(node) ? node.parent.parent : node;
  const ranges = ts.getLeadingCommentRanges(sf.text, host.getFullStart()) ?? [];
  const range = ranges.filter((r) => sf.text.startsWith("/**", r.pos)).at(-1);
  // A file's module comment is not the doc of the declaration that happens to follow it.
  if (range !== undefined && /^\s*\*?\s*@module\b/m.test(sf.text.slice(range.pos, range.end).replace(/^\s*\*/gm, ""))) return null;
  return commentLines(sf, range);
}

/** A file's first doc comment (its module comment, when tagged @module). */
function fileDoc(sf) {
  const ranges = ts.getLeadingCommentRanges(sf.text, 0) ?? [];
  return commentLines(sf, ranges.find((r) => sf.text.startsWith("/**", r.pos)));
}

/** A comment's lines; the array also carries `file` and `line`, where its first line is in the source (for messages about its examples). */
function commentLines(sf, range) {
  if (range === undefined) return null;
  const text = sf.text.slice(range.pos + 3, range.end - 2);
  const lines = text.split("\n").map((line, i) => (i === 0 ? line.trimStart() : line.replace(/^\s*\* ?/, "")).replace(/\s+$/, ""));
  let line = sf.getLineAndCharacterOfPosition(range.pos).line + 1;
  while (lines.length > 0 && lines[0].trim() === "") {
    lines.shift();
    line++;
  }
  while (lines.length > 0 && lines.at(-1).trim() === "") lines.pop();
  return Object.assign(lines, { file: path.relative(root, sf.fileName).split(path.sep).join("/"), line });
}

/**
 * Splits a doc comment into its description and tags; tags are only recognised outside code
 * fences. `blocks` are its code: each fenced block of the description and of the examples, and
 * each example without a fence (which renders as TypeScript), with the source line its code
 * starts on.
 */
function parseDoc(lines) {
  const doc = { description: [], examples: [], tags: new Map(), blocks: [] };
  if (lines === null) return doc;
  let current = doc.description;
  let fenced = false;
  let block = null;
  const examples = [];
  for (const [i, line] of lines.entries()) {
    const fence = /^\s*```\s*([\w-]*)/.exec(line);
    if (fence !== null) {
      fenced = !fenced;
      if (fenced) {
        block = { lang: fence[1], code: [], file: lines.file, line: lines.line + i + 1, inDescription: current === doc.description };
      } else doc.blocks.push(block);
    } else if (fenced) block.code.push(line);
    const tag = fenced ? null : /^@(\w+)\s?(.*)$/.exec(line);
    if (tag !== null) {
      const [, name, rest] = tag;
      current = [];
      if (rest !== "") current.push(rest);
      if (name === "example") {
        doc.examples.push(current);
        examples.push({ lines: current, line: lines.line + i + (rest === "" ? 1 : 0) });
      } else doc.tags.set(name, current);
      continue;
    }
    current.push(line);
  }
  // An example without a fence renders as TypeScript: all of it is code.
  for (const e of examples) {
    const first = e.lines.findIndex((l) => l.trim() !== "");
    if (first >= 0 && !/^\s*```/.test(e.lines[first])) {
      doc.blocks.push({ lang: "ts", code: trimBlank(e.lines), file: lines.file, line: e.line + first, inDescription: false });
    }
  }
  doc.blocks.sort((a, b) => a.line - b.line);
  doc.description = trimBlank(doc.description);
  doc.examples = doc.examples.map(trimBlank).filter((e) => e.length > 0);
  return doc;
}

function trimBlank(lines) {
  const out = [...lines];
  while (out.length > 0 && out[0].trim() === "") out.shift();
  while (out.length > 0 && out.at(-1).trim() === "") out.pop();
  return out;
}

/** Doc text as Markdown: `{@link x}` becomes `x` in code. */
function prose(lines) {
  return lines.join("\n").replace(/\{@link\s+([^}\s|]+)(?:[\s|][^}]*)?\}/g, "`$1`");
}

function exampleBlock(lines) {
  const text = lines.join("\n");
  return /^\s*```/.test(lines[0]) ? text : "```ts\n" + text + "\n```";
}

function isInternal(node, sf) {
  return parseDoc(rawDoc(node, sf)).tags.has("internal");
}

// ---------- signatures ----------

/** Source text of `node` from its start (after its doc comment) to `end`, with `export`/`async`/`declare` dropped and continuation lines dedented. */
function textBetween(sf, node, end) {
  return textBetweenText(sf.text, node.getStart(sf), end);
}

function textBetweenText(source, start, end) {
  const column = start - source.lastIndexOf("\n", start - 1) - 1;
  const text = source.slice(start, end).trimEnd();
  const lines = text.split("\n").map((line, i) => (i === 0 ? line : line.slice(Math.min(column, line.length - line.trimStart().length))));
  return lines.join("\n").replace(/^(export\s+)?(default\s+)?(declare\s+)?(async\s+)?/, "").replace(/^(static\s+)async\s+/, "$1").replace(
    /\s*=>\s*$/,
    "",
  );
}

function signatureText(sf, node) {
  const end = node.body !== undefined ? node.body.getStart(sf) : node.getEnd();
  // A default that names the package's internals (`where = state.myid`) says nothing to a
  // reader: such a parameter is shown as optional instead. Literal defaults stay.
  const edits = [];
  for (const p of node.parameters ?? []) {
    const init = p.initializer;
    if (init === undefined || isPlainLiteral(init)) continue;
    const from = (p.type ?? p.questionToken ?? p.name).getEnd();
    edits.push({ from, to: init.getEnd(), text: "" });
    if (p.questionToken === undefined) edits.push({ from: p.name.getEnd(), to: p.name.getEnd(), text: "?" });
  }
  const start = node.getStart(sf);
  let text = sf.text.slice(0, end);
  for (const e of edits.sort((a, b) => b.from - a.from || b.to - a.to)) text = text.slice(0, e.from) + e.text + text.slice(e.to);
  return textBetweenText(text, start, text.length).replace(/;$/, "");
}

function isPlainLiteral(n) {
  return (
    ts.isNumericLiteral(n) || ts.isStringLiteral(n) || n.kind === ts.SyntaxKind.TrueKeyword || n.kind === ts.SyntaxKind.FalseKeyword ||
    (ts.isPrefixUnaryExpression(n) && ts.isNumericLiteral(n.operand)) ||
    (ts.isObjectLiteralExpression(n) && n.properties.length === 0) || (ts.isArrayLiteralExpression(n) && n.elements.length === 0)
  );
}

function propertyText(sf, node) {
  // A typed property's initializer is an implementation detail; an untyped one shows its value.
  if (node.initializer !== undefined && node.type !== undefined) return textBetween(sf, node, node.type.getEnd());
  return textBetween(sf, node, node.getEnd()).replace(/;$/, "");
}

function memberName(member) {
  return member.name === undefined ? "constructor" : member.name.getText();
}

function isPublicMember(member, sf) {
  if (member.name !== undefined && ts.isPrivateIdentifier(member.name)) return false;
  const flags = ts.getCombinedModifierFlags(member);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  if (ts.isClassStaticBlockDeclaration(member) || ts.isSemicolonClassElement(member)) return false;
  return !isInternal(member, sf);
}

// ---------- local types a signature uses but the package does not export ----------

/** The parts of a declaration a reader sees in its signature: never a function's body or a property's initializer. */
function signatureParts(n) {
  if (ts.isHeritageClause(n) || ts.isTypeParameterDeclaration(n) || ts.isTypeNode(n)) return [n];
  if (ts.isTypeAliasDeclaration(n)) return [...(n.typeParameters ?? []), n.type];
  const parts = [...(n.typeParameters ?? [])];
  if (n.parameters !== undefined) { for (const p of n.parameters) if (p.type !== undefined) parts.push(p.type); }
  if (n.type !== undefined) parts.push(n.type);
  return parts;
}

function localTypesOf(nodes, checker, exported) {
  const found = new Map();
  const visit = (n) => {
    if (ts.isTypeReferenceNode(n) || ts.isExpressionWithTypeArguments(n)) {
      const nameNode = ts.isTypeReferenceNode(n) ? n.typeName : n.expression;
      let sym = checker.getSymbolAtLocation(nameNode);
      if (sym !== undefined && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
      const decl = sym?.declarations?.[0];
      if (decl !== undefined && !exported.has(sym) && (ts.isTypeAliasDeclaration(decl) || ts.isInterfaceDeclaration(decl))) {
        const file = decl.getSourceFile();
        if (!file.isDeclarationFile && !ts.isTypeParameterDeclaration(decl)) {
          const name = sym.getName();
          if (!found.has(name)) found.set(name, textBetween(file, decl, decl.getEnd()).replace(/;$/, ""));
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  for (const n of nodes) for (const part of signatureParts(n)) visit(part);
  return [...found.entries()].sort(([a], [b]) => compareNames(a, b));
}

// ---------- collecting the exports ----------

function compareNames(a, b) {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function kindOf(decl) {
  if (ts.isFunctionDeclaration(decl)) return "function";
  if (ts.isClassDeclaration(decl)) return "class";
  if (ts.isInterfaceDeclaration(decl)) return "interface";
  if (ts.isTypeAliasDeclaration(decl)) return "type";
  if (ts.isVariableDeclaration(decl)) return "const";
  return ts.SyntaxKind[decl.kind];
}

function collect(program, checker, entry) {
  const sf = program.getSourceFile(path.join(root, entry.file));
  if (sf === undefined) throw new Error(`api-docs: cannot read ${entry.file}`);
  const moduleSymbol = checker.getSymbolAtLocation(sf);
  const symbols = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decls = (target.declarations ?? []).filter((d) => !ts.isSourceFile(d));
    if (decls.length === 0) continue;
    symbols.push({ name: exported.getName(), target, decls });
  }
  symbols.sort((a, b) => compareNames(a.name, b.name));
  return { entry, sf, checker, moduleDoc: parseDoc(fileDoc(sf)), symbols };
}

// ---------- rendering ----------

function slugger() {
  const used = new Map();
  return (heading) => {
    const base = heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").trim().replace(/\s/g, "-");
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    return n === 0 ? base : `${base}-${n}`;
  };
}

function firstSentence(doc) {
  const paragraph = [];
  for (const line of doc.description) {
    if (line.trim() === "" || /^\s*(```|[-*|] )/.test(line)) break;
    paragraph.push(line.trim());
  }
  const text = prose(paragraph).replace(/\s+/g, " ");
  // The first sentence: up to a period at bracket depth 0 that ends a word (not "...", not "e.g.").
  let depth = 0;
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth = Math.max(0, depth - 1);
    else if (c === "`") {
      const close = text.indexOf("`", i + 1);
      if (close > i) i = close;
    } else if (
      c === "." && depth === 0 && (i + 1 === text.length || text[i + 1] === " ") && text[i - 1] !== "." &&
      !/\b(e\.g|i\.e|etc)$/.test(text.slice(0, i))
    ) {
      end = i;
      break;
    }
  }
  return text.slice(0, end).replace(/\|/g, "\\|");
}

/** Renders a doc comment; `examples` (when given) receives its code blocks, as `{ owner, block }`, `owner` naming whose doc it is. */
function renderDoc(doc, out, level = "", examples = null, owner = "") {
  if (examples !== null) { for (const block of doc.blocks) examples.push({ owner, block }); }
  if (doc.description.length > 0) out.push(level + prose(doc.description).split("\n").join("\n" + level), "");
  const deprecated = doc.tags.get("deprecated");
  if (deprecated !== undefined) out.push(`${level}**Deprecated.** ${prose(deprecated)}`, "");
  for (const example of doc.examples) out.push(level + exampleBlock(example).split("\n").join("\n" + level), "");
}

function code(text) {
  return "```ts\n" + text + "\n```";
}

function renderSymbol(sym, ctx, out) {
  const { seenElsewhere } = ctx;
  const decl = sym.decls[0];
  const sf = decl.getSourceFile();
  const kind = kindOf(decl);
  out.push(`#### \`${sym.name}\``, "");
  const alias = sym.name !== sym.target.getName() ? ` (exported as \`${sym.name}\`; declared as \`${sym.target.getName()}\`)` : "";
  out.push(`*${kind}*${alias}`, "");
  const other = seenElsewhere.get(sym.target);
  if (other !== undefined) {
    out.push(`The same ${kind} as [\`${sym.name}\`](#${other}) in \`distributed\`.`, "");
    return [];
  }
  const sigNodes = [];
  if (kind === "function") {
    const overloads = sym.decls.filter((d) => d.body === undefined);
    const shown = overloads.length > 0 ? overloads : sym.decls;
    out.push(code(shown.map((d) => signatureText(sf, d)).join("\n")), "");
    sigNodes.push(...shown);
    renderDoc(parseDoc(rawDoc(shown[0], sf)), out, "", ctx.examples, sym.name);
  } else if (kind === "type") {
    out.push(code(signatureText(sf, decl)), "");
    sigNodes.push(decl);
    renderDoc(parseDoc(rawDoc(decl, sf)), out, "", ctx.examples, sym.name);
  } else if (kind === "const") {
    renderConst(sym, decl, sf, ctx, out, sigNodes);
  } else if (kind === "class" || kind === "interface") {
    renderMembers(sym, decl, sf, kind, ctx, out, sigNodes);
  } else {
    renderDoc(parseDoc(rawDoc(decl, sf)), out, "", ctx.examples, sym.name);
  }
  return sigNodes;
}

/** The symbol an import names (a member of an object of functions may be imported from another file). */
function resolveAlias(checker, symbol) {
  return symbol !== undefined && (symbol.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(symbol) : symbol;
}

function renderConst(sym, decl, sf, ctx, out, sigNodes) {
  const init = decl.initializer;
  const type = decl.type !== undefined ? decl.type.getText(sf) : ctx.checker.typeToString(ctx.checker.getTypeAtLocation(decl));
  const objectOfFunctions = init !== undefined && ts.isObjectLiteralExpression(init) &&
    init.properties.every((p) => ts.isShorthandPropertyAssignment(p));
  if (!objectOfFunctions) {
    out.push(code(`const ${sym.name}: ${type}`), "");
    renderDoc(parseDoc(rawDoc(decl, sf)), out, "", ctx.examples, sym.name);
    return;
  }
  out.push(code(`const ${sym.name}: { ${init.properties.map((p) => p.name.getText(sf)).join(", ")} }`), "");
  renderDoc(parseDoc(rawDoc(decl, sf)), out, "", ctx.examples, sym.name);
  const members = init.properties
    .map((p) => ({ key: p.name.getText(sf), target: resolveAlias(ctx.checker, ctx.checker.getShorthandAssignmentValueSymbol(p)) }))
    .sort((a, b) => compareNames(a.key, b.key));
  for (const { key, target } of members) {
    const fn = target?.declarations?.find((d) => ts.isFunctionDeclaration(d));
    out.push(`##### \`${sym.name}.${key}\``, "");
    if (fn === undefined) continue;
    const fsf = fn.getSourceFile();
    out.push(code(signatureText(fsf, fn).replace(/^function\s+\w+/, `${sym.name}.${key}`)), "");
    sigNodes.push(fn);
    renderDoc(parseDoc(rawDoc(fn, fsf)), out, "", ctx.examples, `${sym.name}.${key}`);
  }
}

function renderMembers(sym, decl, sf, kind, ctx, out, sigNodes) {
  const header = decl.members.pos > decl.getStart(sf)
    ? textBetween(sf, decl, sf.text.lastIndexOf("{", decl.members.pos))
    : `${kind} ${sym.name}`;
  out.push(code(header), "");
  sigNodes.push(...(decl.heritageClauses ?? []), ...(decl.typeParameters ?? []));
  renderDoc(parseDoc(rawDoc(decl, sf)), out, "", ctx.examples, sym.name);
  const members = decl.members.filter((m) => isPublicMember(m, sf));
  if (members.length === 0) return;
  // Constructors first, then static members, then the rest, each in declaration order.
  const rank = (m) => (ts.isConstructorDeclaration(m) ? 0 : ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static ? 1 : 2);
  const ordered = members.map((m, i) => ({ m, i })).sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i).map(({ m }) => m);
  out.push(kind === "class" ? "Members:" : "Properties:", "");
  for (const member of ordered) {
    const isProperty = ts.isPropertyDeclaration(member) || ts.isPropertySignature(member);
    const text = isProperty ? propertyText(sf, member) : signatureText(sf, member);
    const name = memberName(member);
    const title = ts.isConstructorDeclaration(member)
      ? `new ${sym.name}(...)`
      : ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Static
      ? `${sym.name}.${name}`
      : name.startsWith("[")
      ? name
      : `.${name}`;
    out.push(`- **\`${title}\`**`, "", "  " + code(text).split("\n").join("\n  "), "");
    sigNodes.push(member);
    renderDoc(parseDoc(rawDoc(member, sf)), out, "  ", ctx.examples, `${sym.name}.${name}`);
  }
}

/** Groups an entry point's symbols by the source file that declares them; files sorted by path. */
function byFile(m) {
  const files = new Map();
  for (const s of m.symbols) {
    const sf = s.decls[0].getSourceFile();
    const file = path.relative(root, sf.fileName).split(path.sep).join("/");
    if (!files.has(file)) files.set(file, { file, sf, symbols: [] });
    files.get(file).symbols.push(s);
  }
  return [...files.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** A source file's module comment, without the paragraphs that are asides about the source itself ("(Longer than ...)"). */
function moduleDocOf(sf) {
  const doc = parseDoc(fileDoc(sf));
  if (!doc.tags.has("module")) return null;
  const paragraphs = [];
  let current = [];
  let fenced = false;
  for (const line of doc.description) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (!fenced && line.trim() === "") {
      paragraphs.push(current);
      current = [];
    } else current.push(line);
  }
  paragraphs.push(current);
  const kept = paragraphs.filter((p) => p.length > 0 && !/^\(.*\)$/s.test(p.join(" ").trim()));
  const description = kept.flatMap((p, i) => (i === 0 ? p : ["", ...p]));
  const shown = description.join("\n");
  const blocks = doc.blocks.filter((b) => !b.inDescription || shown.includes(b.code.join("\n")));
  return { ...doc, description, blocks, tags: new Map() };
}

/** The whole of docs/api.md. */
export function renderApiDocs() {
  const options = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    noLib: true,
    types: [],
    skipLibCheck: true,
  };
  // Only the package's own files matter: other packages' types are never documented here, and
  // not resolving them keeps `npm run check` fast.
  const host = ts.createCompilerHost(options);
  host.resolveModuleNameLiterals = (literals, containingFile, _redirect, opts) =>
    literals.map((
      literal,
    ) => (literal.text.startsWith(".") ? ts.resolveModuleName(literal.text, containingFile, opts, host) : { resolvedModule: undefined }));
  const program = ts.createProgram(
    ENTRIES.map((e) => path.join(root, e.file)),
    options,
    host,
  );
  const checker = program.getTypeChecker();
  const modules = ENTRIES.map((entry) => collect(program, checker, entry));
  const exportedSymbols = new Set(modules.flatMap((m) => m.symbols.map((s) => s.target)));
  const slug = slugger();
  slug("API reference");
  slug("Contents");
  // Slugs are computed ahead, in the order the headings appear, so the contents can link them
  // (GitHub numbers repeated headings in document order: `distributed` the function comes after
  // the module of that name).
  const slugs = new Map();
  const layout = modules.map((m) => {
    slugs.set(m, slug(m.entry.name));
    const files = byFile(m);
    for (const f of files) {
      slugs.set(f, slug(f.file));
      for (const s of f.symbols) {
        slugs.set(s, slug(s.name));
        const decl = s.decls[0];
        const init = ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
        if (init !== undefined && ts.isObjectLiteralExpression(init)) {
          for (const key of init.properties.map((p) => p.name.getText(decl.getSourceFile())).sort(compareNames)) slug(`${s.name}.${key}`);
        }
      }
    }
    return { m, files };
  });
  const out = [
    "# API reference",
    "",
    "<!-- Generated by scripts/api-docs.mjs from the doc comments in src/ and managers/; do not edit by hand. Run `npm run docs` after changing a doc comment (`npm test` fails while this file is stale). -->",
    "",
    "The public API of the two entry points, `distributed` and `distributed/managers`, taken from the doc comments in the source. Symbols are grouped by the source file that declares them; each file's own comment and example come first. For explanations and longer examples, read the [guides](README.md).",
    "",
    "## Contents",
    "",
  ];
  for (const { m, files } of layout) {
    out.push(`- [\`${m.entry.name}\`](#${slugs.get(m)})`);
    for (const f of files) {
      out.push(`  - [${f.file}](#${slugs.get(f)}): ${f.symbols.map((s) => `[\`${s.name}\`](#${slugs.get(s)})`).join(", ")}`);
    }
  }
  out.push("");
  const seenElsewhere = new Map();
  const examples = [];
  for (const { m, files } of layout) {
    out.push(`## ${m.entry.name}`, "");
    out.push(`\`import { ... } from "${m.entry.name}"\` · [${m.entry.file}](../${m.entry.file})`, "", m.entry.intro, "");
    renderDoc({ ...m.moduleDoc, tags: new Map() }, out, "", examples, `module ${m.entry.name}`);
    out.push("| name | kind | summary |", "| --- | --- | --- |");
    for (const s of m.symbols) {
      const doc = parseDoc(rawDoc(summaryNode(s), s.decls[0].getSourceFile()));
      const summary = seenElsewhere.has(s.target) ? "the same as in `distributed`" : firstSentence(doc);
      out.push(`| [\`${s.name}\`](#${slugs.get(s)}) | ${kindOf(s.decls[0])} | ${summary} |`);
    }
    out.push("");
    for (const f of files) {
      out.push(`### ${f.file}`, "");
      const allElsewhere = f.symbols.every((s) => seenElsewhere.has(s.target));
      const moduleDoc = allElsewhere ? null : moduleDocOf(f.sf);
      out.push(`[Source](../${f.file})`, "");
      if (moduleDoc !== null) renderDoc(moduleDoc, out, "", examples, `module ${f.file}`);
      const sigNodes = [];
      for (const s of f.symbols) {
        sigNodes.push(...renderSymbol(s, { checker, seenElsewhere, examples }, out));
        if (!seenElsewhere.has(s.target)) seenElsewhere.set(s.target, slugs.get(s));
      }
      const locals = localTypesOf(sigNodes, checker, exportedSymbols);
      if (locals.length > 0) {
        out.push(`Types the signatures above use that the package does not export:`, "");
        out.push(code(locals.map(([, text]) => text).join("\n")), "");
      }
    }
  }
  const text = out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
  return { text, modules, examples };
}

/** The declaration whose comment summarises a symbol (the first overload for functions). */
function summaryNode(s) {
  const overloads = s.decls.filter((d) => ts.isFunctionDeclaration(d) && d.body === undefined);
  return overloads[0] ?? s.decls[0];
}

/** Exports whose doc comment is missing, or has no @example (their module's example does not count). */
function report(modules) {
  const lines = [];
  const seen = new Set();
  for (const m of modules) {
    for (const s of m.symbols) {
      if (seen.has(s.target)) continue;
      seen.add(s.target);
      const node = summaryNode(s);
      const raw = rawDoc(node, node.getSourceFile());
      const doc = parseDoc(raw);
      if (raw === null) lines.push(`${m.entry.name}: ${s.name}: no doc comment`);
      else if (doc.examples.length === 0) lines.push(`${m.entry.name}: ${s.name}: no @example in its own doc comment`);
    }
  }
  return lines;
}

/**
 * For scripts/check-examples.mjs: the public functions and classes (and the functions of an
 * exported object of functions, such as `threads`) whose own doc comment has no @example, with
 * where they are declared. A module comment's example does not count.
 */
export function withoutOwnExample(modules) {
  const missing = [];
  const seen = new Set();
  const note = (name, node) => {
    const sf = node.getSourceFile();
    if (parseDoc(rawDoc(node, sf)).examples.length > 0) return;
    const file = path.relative(root, sf.fileName).split(path.sep).join("/");
    missing.push({ name, file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
  };
  for (const m of modules) {
    for (const s of m.symbols) {
      if (seen.has(s.target)) continue;
      seen.add(s.target);
      const decl = s.decls[0];
      if (ts.isFunctionDeclaration(decl) || ts.isClassDeclaration(decl)) note(s.name, summaryNode(s));
      const init = ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
      if (init === undefined || !ts.isObjectLiteralExpression(init)) continue;
      for (const p of init.properties) {
        if (!ts.isShorthandPropertyAssignment(p)) continue;
        const fn = p.name.getText(decl.getSourceFile());
        const target = m.checker.getShorthandAssignmentValueSymbol(p)?.declarations?.find((d) => ts.isFunctionDeclaration(d));
        if (target !== undefined) note(`${s.name}.${fn}`, target);
      }
    }
  }
  return missing;
}

/** For scripts/check.mjs: a problem message when docs/api.md is stale, else null. `rendered` saves a second rendering when the caller has one. */
export function checkApiDocs(rendered = renderApiDocs()) {
  const { text } = rendered;
  let current = "";
  try {
    current = readFileSync(OUT, "utf8");
  } catch {
    return "docs/api.md is missing: run `npm run docs` (node scripts/api-docs.mjs)";
  }
  return current === text ? null : "docs/api.md is out of date with the doc comments: run `npm run docs` (node scripts/api-docs.mjs)";
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  if (process.argv.includes("--check")) {
    const problem = checkApiDocs();
    if (problem !== null) {
      console.error(`api-docs: ${problem}`);
      process.exit(1);
    }
    console.log("api-docs: docs/api.md is up to date");
  } else {
    const { text, modules } = renderApiDocs();
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, text);
    console.log(
      `api-docs: wrote ${path.relative(root, OUT)} (${modules.map((m) => `${m.symbols.length} exports of ${m.entry.name}`).join(", ")})`,
    );
    if (process.argv.includes("--report")) { for (const line of report(modules)) console.log(`  ${line}`); }
  }
}
