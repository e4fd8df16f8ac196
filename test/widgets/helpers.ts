import { api, grant, signUp } from "../helpers/api";

/** A fresh origin no other test lists, so CORS answers depend only on this test's setup. */
export function uniqueOrigin(label = "shop"): string {
  return `https://${label}-${crypto.randomUUID().slice(0, 8)}.example`;
}

export interface Shop {
  id: string;
  token: string;
  email: string;
  origin: string;
}

/** An account with tokens and one allowed origin (plus `extraOrigins`). */
export async function shopWithOrigin(tokens = 0, extraOrigins: string[] = []): Promise<Shop> {
  const account = await signUp("widget");
  if (tokens > 0) await grant(account.id, tokens);
  const origin = uniqueOrigin();
  const res = await api("/v1/account/allowed-origins", { method: "PUT", token: account.token, body: { origins: [origin, ...extraOrigins] } });
  if (res.status !== 200) throw new Error(`allowed-origins: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...account, origin };
}

export async function mint(
  shop: Shop,
  body: { services: string[]; origin?: string; ttlSeconds?: number; capTokens?: number | null; shopperRef?: string | null },
): Promise<{ token: string; tokenId: string; expiresAt: string }> {
  const res = await api("/v1/account/widget-tokens", { token: shop.token, body: { origin: shop.origin, ...body } });
  if (res.status !== 201) throw new Error(`mint: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** A call as a browser page on `origin` makes it. */
export function fromPage(
  origin: string | null,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: BodyInit } = {},
) {
  return api(path, { ...init, headers: { ...(origin ? { origin } : {}), ...init.headers } });
}

export const DPI_BODY = { widthPx: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "photo_on_canvas" };
