/**
 * CIEDE2000 colour difference (Sharma, Wu and Dalal, "The CIEDE2000
 * Color-Difference Formula: Implementation Notes, Supplementary Test Data, and
 * Mathematical Observations", Color Res. Appl. 30(1), 2005), written out as
 * the paper's equations 1–21 so it can be checked against them, and sRGB to
 * CIELAB (IEC 61966-2-1, D65 white) for comparing sRGB pixels.
 */
export type Lab = readonly [number, number, number];

const DEG = Math.PI / 180;

export function deltaE2000(lab1: Lab, lab2: Lab): number {
  const [L1, a1, b1] = lab1;
  const [L2, a2, b2] = lab2;
  // (2)–(7): a' stretched by G, then C' and h' (degrees, 0–360; 0 when achromatic).
  const Cab = (Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2;
  const G = 0.5 * (1 - Math.sqrt(Cab ** 7 / (Cab ** 7 + 25 ** 7)));
  const a1p = (1 + G) * a1;
  const a2p = (1 + G) * a2;
  const C1p = Math.hypot(a1p, b1);
  const C2p = Math.hypot(a2p, b2);
  const hue = (b: number, ap: number) => (b === 0 && ap === 0 ? 0 : ((Math.atan2(b, ap) / DEG) % 360 + 360) % 360);
  const h1p = hue(b1, a1p);
  const h2p = hue(b2, a2p);
  // (8)–(11): differences.
  const dLp = L2 - L1;
  const dCp = C2p - C1p;
  let dhp = 0;
  if (C1p * C2p !== 0) {
    dhp = h2p - h1p;
    if (dhp > 180) dhp -= 360;
    else if (dhp < -180) dhp += 360;
  }
  const dHp = 2 * Math.sqrt(C1p * C2p) * Math.sin((dhp / 2) * DEG);
  // (12)–(21): weights and the rotation term.
  const Lp = (L1 + L2) / 2;
  const Cp = (C1p + C2p) / 2;
  let hp = h1p + h2p;
  if (C1p * C2p !== 0) {
    if (Math.abs(h1p - h2p) <= 180) hp /= 2;
    else hp = hp < 360 ? (hp + 360) / 2 : (hp - 360) / 2;
  }
  const T = 1 - 0.17 * Math.cos((hp - 30) * DEG) + 0.24 * Math.cos(2 * hp * DEG) + 0.32 * Math.cos((3 * hp + 6) * DEG) - 0.2 * Math.cos((4 * hp - 63) * DEG);
  const dTheta = 30 * Math.exp(-(((hp - 275) / 25) ** 2));
  const RC = 2 * Math.sqrt(Cp ** 7 / (Cp ** 7 + 25 ** 7));
  const SL = 1 + (0.015 * (Lp - 50) ** 2) / Math.sqrt(20 + (Lp - 50) ** 2);
  const SC = 1 + 0.045 * Cp;
  const SH = 1 + 0.015 * Cp * T;
  const RT = -Math.sin(2 * dTheta * DEG) * RC;
  const l = dLp / SL;
  const c = dCp / SC;
  const h = dHp / SH;
  return Math.sqrt(l * l + c * c + h * h + RT * c * h);
}

const linear = (v: number) => {
  const x = v / 255;
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
};
const LINEAR = Float64Array.from({ length: 256 }, (_, i) => linear(i));
// D65 white of sRGB, and its RGB to XYZ matrix (IEC 61966-2-1).
const WHITE = [0.95047, 1.0, 1.08883] as const;
const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);

export function srgbToLab(r: number, g: number, b: number): Lab {
  const R = LINEAR[r]!;
  const G = LINEAR[g]!;
  const B = LINEAR[b]!;
  const x = f((0.4124 * R + 0.3576 * G + 0.1805 * B) / WHITE[0]);
  const y = f((0.2126 * R + 0.7152 * G + 0.0722 * B) / WHITE[1]);
  const z = f((0.0193 * R + 0.1192 * G + 0.9505 * B) / WHITE[2]);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

/** Mean and largest CIEDE2000 between two RGBA images of the same size. */
export function compareRgba(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} and ${b.length}`);
  let sum = 0;
  let max = 0;
  const n = a.length / 4;
  for (let i = 0; i < n; i++) {
    const p = i * 4;
    const d = deltaE2000(srgbToLab(a[p]!, a[p + 1]!, a[p + 2]!), srgbToLab(b[p]!, b[p + 1]!, b[p + 2]!));
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / n, max };
}
