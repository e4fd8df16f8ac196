import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { walletOf } from "../../src/wallet/wallet";
import { api, grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { waitForJob } from "../helpers/jobs";
import { ensureModel } from "../helpers/model";
import { expectLedgerConsistent } from "../helpers/wallet";

describe("background removal failures", () => {
  beforeAll(() => ensureModel(), 120_000);

  it.each([
    ["an unreachable server", () => "http://127.0.0.1:9/photo.jpg", /could not be fetched/],
    ["an HTTP error", () => fixtureUrl("404", "status"), /HTTP 404/],
    ["a file that is not an image", () => fixtureUrl("preflight/expected.json"), /not a JPEG, PNG or WebP/],
    ["a PDF", () => fixtureUrl("preflight/pdf-cmyk.pdf"), /not a JPEG, PNG or WebP image \(it is PDF\)/],
    ["a decompression bomb", () => fixtureUrl("preflight/png-bomb-20000x20000.png"), /20000×20000 .*BG_REMOVE_MAX_PIXELS/],
    ["a body that never ends", () => fixtureUrl("", "endless"), /MAX_SOURCE_BYTES/],
    ["a server that trickles", () => fixtureUrl("bg/astronaut.jpg", "slow"), /took longer than 8 s/],
    ["a server that closes mid-body", () => fixtureUrl("bg/astronaut.jpg", "cut"), /could not be fetched|could not be decoded/],
    ["a redirect to a refused address", () => `${fixtureUrl("", "redirect")}?to=${encodeURIComponent("http://127.0.0.2/x.png")}`, /redirects to an address/],
    // mozjpeg would decode it with grey rows; preflight calls it damaged too.
    ["a truncated JPEG", () => fixtureUrl("preflight/jpeg-truncated.jpg"), /The JPEG is damaged \(/],
  ])("fails cleanly and refunds once for %s", async (_name, url, message) => {
    const shop = await signUp("bg-fail");
    await grant(shop.id, 1_000);
    const created = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: url() } });
    expect(created.status).toBe(202);
    const done = await waitForJob(`/v1/services/bg-remove/${created.body.job_id}`, shop.token);
    expect(done.status).toBe("failed");
    expect(done.error_message).toMatch(message);
    expect(done.output_url).toBeNull();
    const { balance, held } = await expectLedgerConsistent(shop.id);
    expect({ balance, held }).toEqual({ balance: 1_000, held: 0 });
    const refunds = (await walletOf(env, shop.id).entries()).filter((e) => e.type === "refund" && e.jobId === created.body.job_id);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.amount).toBe(150);
    // Nothing its steps handed each other (a staged copy of the source, the guide) is left in R2.
    expect((await env.FILES.list({ prefix: `work/${shop.id}/` })).objects).toEqual([]);
  });

  it.each([
    // The type comes from the bytes, not from the Content-Type header.
    ["a PNG served as image/jpeg", () => fixtureUrl("bg/composite-logo.png", "as/image/jpeg")],
  ])("completes for %s", async (_name, url) => {
    const shop = await signUp("bg-odd");
    await grant(shop.id, 150);
    const created = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: url(), subject_type: "logo" } });
    const done = await waitForJob(`/v1/services/bg-remove/${created.body.job_id}`, shop.token);
    expect(done.status, done.error_message).toBe("completed");
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 0, held: 0 });
    expect((await env.FILES.list({ prefix: `work/${shop.id}/` })).objects).toEqual([]);
  });

  it.each([
    ["a loopback address that is not allow-listed", "http://127.0.0.2/photo.jpg"],
    ["IPv6 loopback", "http://[::1]/photo.jpg"],
    ["a file URL", "file:///etc/passwd"],
    ["credentials in the URL", "http://user:pass@127.0.0.1/photo.jpg"],
    ["localhost by another name", "http://printer.localhost/photo.jpg"],
    ["not a URL", "photo.jpg"],
  ])("refuses %s with 400 before charging", async (_name, imageUrl) => {
    const shop = await signUp("bg-ssrf");
    await grant(shop.id, 500);
    const res = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: imageUrl } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
    expect(res.body.issues[0].path).toBe("image_url");
    expect((await api("/v1/wallet", { token: shop.token })).body.data).toEqual({ balance: 500, held: 0, currency: "tokens" });
  });

  it("answers 402 exactly as the reference when the wallet is short", async () => {
    const shop = await signUp("bg-402");
    await grant(shop.id, 50);
    const res = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: fixtureUrl("bg/coffee.jpg") } });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ error: "INSUFFICIENT_TOKENS", balance: 50, shortfall: 100, top_up_url: "http://api.test/dashboard/wallet?tab=buy" });
    expect((await api("/v1/wallet/transactions", { token: shop.token })).body.data).toHaveLength(1);
  });

  it.each([
    [{ image_url: 42 }],
    [{}],
    [{ image_url: "https://example.com/a.jpg", subject_type: "animal" }],
    [{ image_url: "https://example.com/a.jpg", edge_softness: 11 }],
    [{ image_url: "https://example.com/a.jpg", edge_softness: 2.5 }],
    [{ image_url: "https://example.com/a.jpg", high_detail_mode: "yes" }],
    [{ image_url: "https://example.com/a.jpg", output_background: "black" }],
  ])("400 for %j", async (body) => {
    const shop = await signUp("bg-400");
    const res = await api("/v1/services/bg-remove", { token: shop.token, body });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
  });

  it("hides other accounts' jobs and checks ids", async () => {
    const owner = await signUp("bg-owner");
    await grant(owner.id, 500);
    const created = await api("/v1/services/bg-remove", { token: owner.token, body: { image_url: fixtureUrl("bg/coffee.jpg") } });
    const other = await signUp("bg-other");
    expect((await api(`/v1/services/bg-remove/${created.body.job_id}`, { token: other.token })).status).toBe(404);
    expect((await api("/v1/services/bg-remove/..%2F..%2Fetc", { token: other.token })).status).toBe(400);
    expect((await api(`/v1/services/bg-remove/${created.body.job_id}`)).status).toBe(401);
    await waitForJob(`/v1/services/bg-remove/${created.body.job_id}`, owner.token);
  });
});
