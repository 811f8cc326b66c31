/**
 * Seed 003's `DummyModule.jl`, loaded on every process by examples/seed003/04-code-availability.ts
 * with `everywhere(url)` (Julia's `@everywhere include("DummyModule.jl")`).
 *
 * It prints "loaded" on each process that loads it, exports a type and a function, and
 * registers `MyType` so that its instances travel between processes with their class (Julia
 * can send a `MyType` to any process that has loaded the module; so can we, once every process
 * has registered it).
 *
 * @example
 * ```ts
 * await everywhere(new URL("./dummy-module.ts", import.meta.url)); // "loaded" on every process
 * await fetchfrom(2, () => new MyType(7));                         // MyType(7)
 * ```
 * @module
 */
import { registerClass } from "distributed";

/** mutable struct MyType a::Int end */
export class MyType {
  a: number;
  constructor(a: number) {
    this.a = a;
  }
  toString(): string {
    return `MyType(${this.a})`;
  }
}
registerClass(MyType, { name: "DummyModule.MyType" });

/** f(x) = x^2+1 */
export function f(x: number): number {
  return x ** 2 + 1;
}

console.log("loaded");
