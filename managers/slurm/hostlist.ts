/**
 * Slurm's compact host lists (SLURM_JOB_NODELIST, SLURM_STEP_NODELIST): "dn[1-3],gpu[01-02,07]"
 * expanded to host names, as `scontrol show hostnames` does, without starting a process.
 *
 * @example
 * ```ts
 * import { expandHostlist } from "distributed/managers";
 * expandHostlist("dn[1-3],gpu[01-02,07],login"); // ["dn1", "dn2", "dn3", "gpu01", "gpu02", "gpu07", "login"]
 * ```
 * @module
 */

/**
 * Expands a Slurm host list. Zero padding is kept ("[08-10]" gives 08, 09, 10); several
 * bracket groups in one name combine ("r[1-2]n[1-2]" gives r1n1, r1n2, r2n1, r2n2).
 * Throws a TypeError naming the list when it is malformed.
 *
 * @example
 * ```ts
 * import { expandHostlist } from "distributed/managers";
 * expandHostlist("dn[08-10]");    // ["dn08", "dn09", "dn10"]: zero padding kept
 * expandHostlist("r[1-2]n[1-2]"); // ["r1n1", "r1n2", "r2n1", "r2n2"]
 * expandHostlist(process.env.SLURM_JOB_NODELIST ?? ""); // this job's hosts, inside a Slurm job
 * ```
 */
export function expandHostlist(list: string): string[] {
  const out: string[] = [];
  // Slurm separates names by commas or white space.
  for (const item of splitTopLevel(list.trim(), list)) {
    if (item === "") continue;
    out.push(...expandItem(item, list));
    if (out.length > MAX_HOSTS) throw new RangeError(`The Slurm host list ${JSON.stringify(list)} names more than ${MAX_HOSTS} hosts`);
  }
  return out;
}

/** As Slurm: a longer list is a mistake, not a cluster. */
const MAX_HOSTS = 100_000;

function splitTopLevel(list: string, whole: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of list) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (depth < 0 || depth > 1) throw malformed(whole);
    if ((ch === "," || /\s/.test(ch)) && depth === 0) {
      items.push(current);
      current = "";
    } else current += ch;
  }
  if (depth !== 0) throw malformed(whole);
  items.push(current);
  return items;
}

function expandItem(item: string, whole: string): string[] {
  const open = item.indexOf("[");
  if (open < 0) return [item];
  const close = item.indexOf("]", open);
  const prefix = item.slice(0, open);
  const rest = expandItem(item.slice(close + 1), whole);
  const out: string[] = [];
  for (const part of item.slice(open + 1, close).split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) throw malformed(whole);
    const width = m[1]!.length;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw malformed(whole);
    if (to - from >= MAX_HOSTS) throw new RangeError(`The Slurm host list ${JSON.stringify(whole)} names more than ${MAX_HOSTS} hosts`);
    for (let n = from; n <= to; n++) {
      const name = prefix + String(n).padStart(width, "0");
      for (const tail of rest) out.push(name + tail);
    }
  }
  return out;
}

function malformed(list: string): TypeError {
  return new TypeError(`Not a Slurm host list: ${JSON.stringify(list)} (expected names like "dn[1-3],gpu[01-02,07],login")`);
}
