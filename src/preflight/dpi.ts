/**
 * Quick DPI score: pure arithmetic, no I/O. The image is scaled to cover the
 * canvas, so the effective resolution is the lower of the two axes'
 * pixels-per-inch, rounded down (4000×3000 px on 30×20 in → 133 ppi).
 */
export const PRODUCT_TYPES = ["photo_on_canvas", "poster", "wallpaper", "framed_print", "wrapping_paper", "stock_canvas"] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];

/** The lowest resolution each product prints acceptably at (viewing distance sets it). */
export const MIN_PPI: Record<ProductType, number> = {
  photo_on_canvas: 100,
  stock_canvas: 100,
  poster: 150,
  framed_print: 150,
  wrapping_paper: 150,
  wallpaper: 75,
};

/** Stars from the ratio of effective to minimum ppi, best first. */
const RATINGS = [
  { atLeast: 1.5, stars: 5, label: "Excellent" },
  { atLeast: 1.25, stars: 4, label: "Good" },
  { atLeast: 1.0, stars: 3, label: "Fair" },
  { atLeast: 0.75, stars: 2, label: "Poor" },
  { atLeast: 0, stars: 1, label: "Very poor" },
] as const;

export interface DpiInput {
  widthPx: number;
  heightPx: number;
  canvasWidthInches: number;
  canvasHeightInches: number;
  productType: ProductType;
}

export interface DpiScore {
  stars: 1 | 2 | 3 | 4 | 5;
  label: (typeof RATINGS)[number]["label"];
  effectivePpi: number;
  minPpi: number;
  productType: ProductType;
  /** Largest canvas this image covers at the product's minimum ppi, same aspect as the image. */
  maxPrintSizeInches: { width: number; height: number };
  /** Share of the image cut away when it is scaled to cover the canvas (aspect mismatch), in percent. */
  cropPercent: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function scoreDpi(input: DpiInput): DpiScore {
  const ppiX = input.widthPx / input.canvasWidthInches;
  const ppiY = input.heightPx / input.canvasHeightInches;
  // A tiny epsilon keeps exact quotients (3000 / 20) from flooring one below through float error.
  const effectivePpi = Math.floor(Math.min(ppiX, ppiY) + 1e-9);
  const minPpi = MIN_PPI[input.productType];
  const ratio = effectivePpi / minPpi;
  const rating = RATINGS.find((r) => ratio >= r.atLeast)!;
  // Scaled to cover, the image is enlarged by the larger of the two canvas/image ratios; the other axis overflows.
  const cover = Math.max(input.canvasWidthInches / input.widthPx, input.canvasHeightInches / input.heightPx);
  const usedShare = (input.canvasWidthInches * input.canvasHeightInches) / (input.widthPx * cover * input.heightPx * cover);
  return {
    stars: rating.stars,
    label: rating.label,
    effectivePpi,
    minPpi,
    productType: input.productType,
    maxPrintSizeInches: { width: round2(input.widthPx / minPpi), height: round2(input.heightPx / minPpi) },
    cropPercent: round2((1 - usedShare) * 100),
  };
}
