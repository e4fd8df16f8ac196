/**
 * Token prices, as the public reference lists them. One table: routes,
 * estimates, the wallet's charges, preflight issues and the dashboard read
 * from here. It lives apart from the wallet, which moves tokens but never
 * decides what anything costs, so that pages and preflight can show a price
 * without importing money code; it imports nothing itself.
 */
export const BG_REMOVE_TOKENS = 150;

export const FIX_TYPE_TOKENS = {
  upscale_resolution_2x: 30,
  upscale_resolution_4x: 50,
  add_bleed: 120,
  remove_transparency: 20,
  sharpen_edges: 35,
} as const;

export type FixType = keyof typeof FIX_TYPE_TOKENS;

/** Names under which charges appear in the ledger (`service` of a transaction). */
export const SERVICES = ["bg-remove", "preflight-ai-fix"] as const;
export type Service = (typeof SERVICES)[number];
