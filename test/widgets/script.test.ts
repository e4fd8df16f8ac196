import { describe, expect, it } from "vitest";
import { WIDGET_BUILD } from "../../src/widgets/script";
import { workerFetch } from "../helpers/api";

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

describe("/widget/v1.js", () => {
  it("is a small, cacheable script any page may load", async () => {
    const res = await workerFetch("/widget/v1.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toContain("max-age=3600");
    expect(res.headers.get("etag")).toBe(`"${WIDGET_BUILD}"`);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const js = await res.text();
    for (const name of ["printcart-dpi-check", "printcart-bg-remove", "printcart-sticker", "printcart-preflight"]) {
      expect(js).toContain(`define("${name}"`);
    }
    for (const event of ["completed", "failed"]) expect(js).toContain(`"${event}"`);
    const gzipped = await gzipSize(js);
    console.log(`/widget/v1.js: ${js.length} bytes, ${gzipped} bytes gzipped`);
    expect(gzipped).toBeLessThan(8 * 1024);
  });

  it("answers a revalidation with 304, and a pinned build as immutable", async () => {
    const etag = `"${WIDGET_BUILD}"`;
    const revalidated = await workerFetch("/widget/v1.js", { headers: { "if-none-match": etag } });
    expect(revalidated.status).toBe(304);
    const pinned = await workerFetch(`/widget/v1.js?v=${WIDGET_BUILD}`);
    expect(pinned.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });
});

describe("/widget/demo", () => {
  it("shows all four widgets under a self-only Content-Security-Policy", async () => {
    const res = await workerFetch("/widget/demo");
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await res.text();
    for (const tag of ["<printcart-dpi-check", "<printcart-bg-remove", "<printcart-sticker", "<printcart-preflight"]) expect(html).toContain(tag);
    for (const asset of html.match(/(?:src|href)="(\/widget\/[^"]+)"/g)!.map((m) => m.split('"')[1]!)) {
      expect((await workerFetch(asset)).status, asset).toBe(200);
    }
  });
});
