/**
 * The element kinds a DArray's chunks can have: a typed array class (named, so the name can
 * travel) or "object", a plain array of any sendable values (numbers, arrays, plain objects).
 *
 * @example
 * ```ts
 * import type { TypedArray, TypedArrayConstructor } from "distributed";
 * const type: TypedArrayConstructor = Int32Array; // what dzeros(dims, { type }) takes
 * const chunk: TypedArray = new type(4);          // what localpart(D) is on an owner
 * ```
 * @module
 */

/** A typed array a DArray can hold. */
export type TypedArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Uint8ClampedArray;

/** A typed array class a DArray can hold, e.g. Float64Array. */
export type TypedArrayConstructor = new (length: number) => TypedArray;

const CTORS: Record<string, TypedArrayConstructor> = {
  Float64Array,
  Float32Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
  Uint8ClampedArray,
};

/** The kind of a chunk: a typed array class name, or "object" for a plain array. */
export type ElementKind = string;

/** The kind of a chunk value; throws TypeError for anything else. */
export function kindOf(value: unknown, where = "DArray"): ElementKind {
  if (Array.isArray(value)) return "object";
  if (ArrayBuffer.isView(value)) {
    const name = (value as object).constructor.name;
    if (CTORS[name] !== undefined) return name;
  }
  const got = value === null ? "null" : typeof value === "object" ? (value as object).constructor?.name ?? "object" : typeof value;
  throw new TypeError(
    `${where}: the elements must be a typed array (Float64Array, Int32Array, ...) or a plain array, got ${got}`,
  );
}

/** The kind named by a typed array class given as an option; throws TypeError for anything else. */
export function kindOfType(type: unknown, where: string): ElementKind {
  for (const [name, ctor] of Object.entries(CTORS)) if (ctor === type) return name;
  throw new TypeError(
    `${where}: type must be a typed array class such as Float64Array or Int32Array, got ${
      typeof type === "function" ? type.name : String(type)
    }`,
  );
}

/** A new zeroed chunk of `kind` with n elements. */
export function allocate(kind: ElementKind, n: number): TypedArray | unknown[] {
  if (kind === "object") return new Array<unknown>(n);
  const ctor = CTORS[kind];
  if (ctor === undefined) throw new TypeError(`DArray: unknown element kind ${JSON.stringify(kind)}`);
  return new ctor(n);
}
