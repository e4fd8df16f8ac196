import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { DPI_BODY, fromPage, mint, shopWithOrigin, uniqueOrigin } from "./helpers";

const dpi = (origin: string, token: string) => fromPage(origin, "/v1/services/preflight/dpi-score", { token, body: DPI_BODY });

describe("widget rate limits", () => {
  it("limits a widget token to 60 requests a minute, apart from the account's own limit", async () => {
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["dpi-score"] });
    const statuses = await Promise.all(Array.from({ length: 62 }, () => dpi(shop.origin, token).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);

    const limited = await dpi(shop.origin, token);
    expect(limited.status).toBe(429);
    expect(limited.body.message).toMatch(/widget token is limited to 60 requests per minute/);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Readable by the page, so it can say how long to wait.
    expect(limited.headers.get("access-control-allow-origin")).toBe(shop.origin);
    expect(limited.headers.get("access-control-expose-headers")).toContain("Retry-After");

    // Another shopper's token, and the shop's own server, are unaffected.
    const other = await mint(shop, { services: ["dpi-score"] });
    expect((await dpi(shop.origin, other.token)).status).toBe(200);
    expect((await api("/v1/services/preflight/dpi-score", { token: shop.token, body: DPI_BODY })).status).toBe(200);
  });

  it("limits all widgets of one origin together to 300 requests a minute", async () => {
    const second = uniqueOrigin("second");
    const shop = await shopWithOrigin(0, [second]);
    // Five tokens at their own limit use up the origin's 300.
    for (let i = 0; i < 5; i++) {
      const { token } = await mint(shop, { services: ["dpi-score"] });
      const statuses = await Promise.all(Array.from({ length: 60 }, () => dpi(shop.origin, token).then((r) => r.status)));
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
    const fresh = await mint(shop, { services: ["dpi-score"] });
    const refused = await dpi(shop.origin, fresh.token);
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/one origin are limited to 300 requests per minute/);

    // Other origins of the same shop are counted apart.
    const elsewhere = await mint(shop, { services: ["dpi-score"], origin: second });
    expect((await dpi(second, elsewhere.token)).status).toBe(200);
    // 300 requests on a shared two-core machine take a while; the window is a minute, so this stays meaningful.
  }, 120_000);
});
