/** A stand-in for Julia's Random: `randexp(n)`, n exponentially distributed random numbers. */
export function randexp(n: number): number[] {
  return Array.from({ length: n }, () => -Math.log(1 - Math.random()));
}
