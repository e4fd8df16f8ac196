/** Big-endian readers over a byte array; callers check bounds first. */
export const u16be = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
export const u32be = (b: Uint8Array, i: number): number => ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
export const ascii = (b: Uint8Array, i: number, n: number): string => String.fromCharCode(...b.subarray(i, i + n));

/** True when `b` holds the ASCII `text` at `i`. */
export function startsWith(b: Uint8Array, i: number, text: string): boolean {
  if (i + text.length > b.length) return false;
  for (let k = 0; k < text.length; k++) if (b[i + k] !== text.charCodeAt(k)) return false;
  return true;
}

/** Dots per inch from a resolution and its unit, to 2 decimals (11811 px/m is 299.9994 dpi, reported as 300). */
export function toDpi(value: number, unit: "inch" | "cm" | "m"): number {
  const perInch = unit === "inch" ? value : unit === "cm" ? value * 2.54 : value * 0.0254;
  return Math.round(perInch * 100) / 100;
}
