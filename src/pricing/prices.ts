/**
 * Token prices, as the public reference lists them. One table: routes,
 * estimates, the wallet's charges, preflight issues and the dashboard read
 * from here. It lives apart from the wallet, which moves tokens but never
 * decides what anything costs, so that pages and preflight can show a price
 * without importing money code; it imports nothing itself.
 */
export const BG_REMOVE_TOKENS = 150;

/**
 * A die-cut sticker: the contour, border and files cost STICKER_BASE_TOKENS;
 * the model's segmentation adds BG_REMOVE_TOKENS when it runs. A sticker
 * holds both when it is created; the segmentation part goes back at
 * settlement when the source's own alpha (or a flat background's colour key)
 * was enough.
 */
export const STICKER_BASE_TOKENS = 30;
export const STICKER_SEGMENTATION_TOKENS = BG_REMOVE_TOKENS;
export const STICKER_MAX_TOKENS = STICKER_BASE_TOKENS + STICKER_SEGMENTATION_TOKENS;

export const FIX_TYPE_TOKENS = {
  upscale_resolution_2x: 30,
  upscale_resolution_4x: 50,
  add_bleed: 120,
  remove_transparency: 20,
  sharpen_edges: 35,
} as const;

export type FixType = keyof typeof FIX_TYPE_TOKENS;

/** Names under which charges appear in the ledger (`service` of a transaction). */
export const SERVICES = ["bg-remove", "preflight-ai-fix", "stickers"] as const;
export type Service = (typeof SERVICES)[number];
