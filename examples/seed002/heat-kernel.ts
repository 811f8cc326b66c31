/**
 * Seed 002's exercise "Using SharedArrays with Heatequation": the 2-D explicit heat-equation
 * solver of ENCCS's HeatEquation.jl (after CSC's heat-equation exercises), written here from
 * its description. Loaded on every worker process, thread worker and pool thread with
 * `everywhere(url)`, so these functions travel by reference.
 *
 * The field is an (nx + 2) × (ny + 2) Float64 grid, column-major as in Julia (element (i, j)
 * at `i + (nx + 2) * j`, 0-based), whose outer layer holds the fixed boundary: 85 on the first
 * row, 5 on the last, 20 on the first column and 70 on the last (the rows win at the corners).
 * Inside, a disc of radius nx / 6 around the centre starts at 5 and the rest at 65. Each time
 * step computes every interior cell from the previous field:
 *
 *     next[i,j] = prev[i,j] + a·dt·((prev[i-1,j] - 2 prev[i,j] + prev[i+1,j]) / dx²
 *                                  + (prev[i,j-1] - 2 prev[i,j] + prev[i,j+1]) / dy²)
 *
 * with a = 0.5, dx = dy = 0.01 and the largest stable dt. A cell depends only on the previous
 * field, so any split of the columns gives the same bits, provided every participant finishes
 * step t before any starts step t + 1 (a barrier per step).
 *
 * @example
 * ```ts
 * const prev = new Float64Array(gridLength(200, 200));
 * initialField(prev, 200, 200);
 * const next = prev.slice();
 * evolveColumns(next, prev, 200, 200, range(1, 201));   // one step, every interior column
 * averageTemperature(next, 200, 200);
 * ```
 * @module
 */
import { type DArray, halo, indexpids, localindices, localpart, type Range, range, type SharedArray } from "distributed";

/** Diffusion constant (HeatEquation.jl's `a`). */
export const DIFFUSION = 0.5;
/** Grid spacing in both directions. */
export const SPACING = 0.01;
const DX2 = SPACING * SPACING;
/** The largest stable time step, dx²·dy² / (2a(dx² + dy²)). */
export const TIME_STEP = (DX2 * DX2) / (2.0 * DIFFUSION * (DX2 + DX2));

/** Elements of an nx × ny field with its boundary layer: (nx + 2)(ny + 2). */
export function gridLength(nx: number, ny: number): number {
  return (nx + 2) * (ny + 2);
}

/** Fills `field` with the initial condition and the fixed boundary (HeatEquation.jl's `generate_field!`). */
export function initialField(field: Float64Array, nx: number, ny: number): void {
  const rows = nx + 2;
  const radius = nx / 6.0;
  const radius2 = radius * radius;
  for (let j = 0; j < ny + 2; j++) {
    for (let i = 0; i < rows; i++) {
      // Julia's 1-based (i, j) is (i + 1, j + 1) here.
      const di = i + 1 - nx / 2;
      const dj = j + 1 - ny / 2;
      const ds2 = di * di + dj * dj;
      field[i + rows * j] = ds2 < radius2 ? 5.0 : 65.0;
    }
  }
  for (let i = 0; i < rows; i++) {
    field[i] = 20.0;
    field[i + rows * (ny + 1)] = 70.0;
  }
  for (let j = 0; j < ny + 2; j++) {
    field[rows * j] = 85.0;
    field[nx + 1 + rows * j] = 5.0;
  }
}

/** One time step on the interior columns `columns` (within 1..ny): `next` from `prev` (HeatEquation.jl's `evolve!`). */
export function evolveColumns(next: Float64Array, prev: Float64Array, nx: number, ny: number, columns: Range): void {
  const rows = nx + 2;
  const factor = DIFFUSION * TIME_STEP;
  const { start, step, length } = columns;
  for (let c = 0; c < length; c++) {
    const j = start + c * step;
    if (!(j >= 1 && j <= ny)) throw new RangeError(`evolveColumns: column ${j} is not an interior column (1..${ny})`);
    const base = rows * j;
    for (let i = 1; i <= nx; i++) {
      const k = base + i;
      const p = prev[k]!;
      const xderiv = (prev[k - 1]! - 2.0 * p + prev[k + 1]!) / DX2;
      const yderiv = (prev[k - rows]! - 2.0 * p + prev[k + rows]!) / DX2;
      next[k] = p + factor * (xderiv + yderiv);
    }
  }
}

/** The mean of the interior cells (HeatEquation.jl's `average_temperature`), summed column by column. */
export function averageTemperature(field: Float64Array, nx: number, ny: number): number {
  const rows = nx + 2;
  let sum = 0;
  for (let j = 1; j <= ny; j++) for (let i = 1; i <= nx; i++) sum += field[i + rows * j]!;
  return sum / (nx * ny);
}

/** Block `index` (0-based) of `count` contiguous blocks of the interior columns 1..ny, sizes differing by at most one. */
export function columnBlock(ny: number, index: number, count: number): Range {
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new RangeError(`columnBlock: block ${index} of ${count} does not exist`);
  }
  return range(1 + Math.floor((index * ny) / count), 1 + Math.floor(((index + 1) * ny) / count));
}

/**
 * One time step of this process's block of columns, `next` from `prev`: the block is chosen by
 * its index among the arrays' participants (Julia's `localindices`, by columns). What a worker
 * runs per step in the SharedArray version; returns the number of columns it computed.
 */
export function evolveMyColumns(next: SharedArray, prev: SharedArray): number {
  const idx = indexpids(next);
  if (idx === 0) return 0;
  const nx = next.shape[0]! - 2;
  const ny = next.shape[1]! - 2;
  const block = columnBlock(ny, idx - 1, next.pids.length);
  evolveColumns(next.data, prev.data, nx, ny, block);
  return block.length;
}

/**
 * One time step of this process's block of columns of a field distributed as a DArray of column
 * blocks (dist [1, k]): the previous field's block widened by one ghost column on each side
 * (`halo`, fetched from the neighbouring owners) gives the next field's block, written in place
 * in this process's chunk of `next` (`localpart`). The same arithmetic as evolveColumns, cell by
 * cell, so the field is the serial one to the bit. Returns how many columns it updated.
 */
export async function evolveMyBlock(next: DArray, prev: DArray): Promise<number> {
  const rows = next.dims[0]!;
  const nx = rows - 2;
  const ny = next.dims[1]! - 2;
  const [, cols] = localindices(next);
  const out = localpart(next);
  const { data: p, start } = await halo(prev, 1);
  const factor = DIFFUSION * TIME_STEP;
  let updated = 0;
  for (let j = Math.max(cols!.start, 1); j < Math.min(cols!.stop, ny + 1); j++) {
    const base = rows * (j - start[1]!); // column j in the widened block of prev
    const outBase = rows * (j - cols!.start); // and in this process's chunk of next
    for (let i = 1; i <= nx; i++) {
      const k = base + i;
      const pk = p[k]!;
      const xderiv = (p[k - 1]! - 2.0 * pk + p[k + 1]!) / DX2;
      const yderiv = (p[k - rows]! - 2.0 * pk + p[k + rows]!) / DX2;
      out[outBase + i] = pk + factor * (xderiv + yderiv);
    }
    updated++;
  }
  return updated;
}
