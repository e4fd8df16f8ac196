import { describe, expect, it } from "vitest";
import { MIN_PPI, scoreDpi } from "../../src/preflight/dpi";
import { api, signUp } from "../helpers/api";

describe("scoreDpi", () => {
  it("gives the reference example exactly", () => {
    expect(scoreDpi({ widthPx: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "photo_on_canvas" })).toMatchObject({
      stars: 4,
      label: "Good",
      effectivePpi: 133,
      minPpi: 100,
      productType: "photo_on_canvas",
    });
  });

  it("takes the lower axis and rounds down, exactly at integer quotients", () => {
    expect(scoreDpi({ widthPx: 3000, heightPx: 3000, canvasWidthInches: 20, canvasHeightInches: 10, productType: "poster" }).effectivePpi).toBe(150);
    expect(scoreDpi({ widthPx: 2999, heightPx: 3000, canvasWidthInches: 20, canvasHeightInches: 10, productType: "poster" }).effectivePpi).toBe(149);
    expect(scoreDpi({ widthPx: 1000, heightPx: 300, canvasWidthInches: 0.3, canvasHeightInches: 0.1, productType: "poster" }).effectivePpi).toBe(3000);
  });

  it.each([
    [150, 5, "Excellent"],
    [149, 4, "Good"],
    [125, 4, "Good"],
    [124, 3, "Fair"],
    [100, 3, "Fair"],
    [99, 2, "Poor"],
    [75, 2, "Poor"],
    [74, 1, "Very poor"],
    [1, 1, "Very poor"],
  ])("%i ppi against 100 → %i stars (%s)", (ppi, stars, label) => {
    const score = scoreDpi({ widthPx: ppi * 10, heightPx: ppi * 10, canvasWidthInches: 10, canvasHeightInches: 10, productType: "stock_canvas" });
    expect(score).toMatchObject({ effectivePpi: ppi, stars, label });
  });

  it("uses one minimum per product type", () => {
    expect(MIN_PPI).toEqual({ photo_on_canvas: 100, stock_canvas: 100, poster: 150, framed_print: 150, wrapping_paper: 150, wallpaper: 75 });
    expect(scoreDpi({ widthPx: 1500, heightPx: 1500, canvasWidthInches: 10, canvasHeightInches: 10, productType: "wallpaper" })).toMatchObject({ stars: 5, minPpi: 75 });
    expect(scoreDpi({ widthPx: 1500, heightPx: 1500, canvasWidthInches: 10, canvasHeightInches: 10, productType: "framed_print" })).toMatchObject({ stars: 3, minPpi: 150 });
  });

  it("reports the largest print at the minimum ppi and the crop of an aspect mismatch", () => {
    const score = scoreDpi({ widthPx: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "photo_on_canvas" });
    expect(score.maxPrintSizeInches).toEqual({ width: 40, height: 30 });
    expect(score.cropPercent).toBeCloseTo(11.11, 2); // 4:3 cropped to 3:2
    expect(scoreDpi({ widthPx: 3000, heightPx: 2000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "poster" }).cropPercent).toBe(0);
  });
});

describe("POST /v1/services/preflight/dpi-score", () => {
  it("answers the reference example", async () => {
    const { token } = await signUp("dpi");
    const res = await api("/v1/services/preflight/dpi-score", {
      token,
      body: { widthPx: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "photo_on_canvas" },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ stars: 4, label: "Good", effectivePpi: 133, minPpi: 100, productType: "photo_on_canvas" });
    // Free: nothing is charged.
    expect((await api("/v1/wallet/transactions", { token })).body.data).toEqual([]);
  });

  it.each([
    { widthPx: 0, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "poster" },
    { widthPx: 4000.5, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "poster" },
    { widthPx: "4000", heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "poster" },
    { widthPx: 4000, heightPx: 3000, canvasWidthInches: 0, canvasHeightInches: 20, productType: "poster" },
    { widthPx: 4000, heightPx: 3000, canvasWidthInches: -5, canvasHeightInches: 20, productType: "poster" },
    { widthPx: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 5000, productType: "poster" },
    { widthPx: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "mug" },
    { widthPx: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20 },
    { width_px: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "poster" },
  ])("400 for %j", async (body) => {
    const { token } = await signUp("dpi-bad");
    const res = await api("/v1/services/preflight/dpi-score", { token, body });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
    expect(res.body.issues.length).toBeGreaterThan(0);
  });

  it("needs a bearer token", async () => {
    expect((await api("/v1/services/preflight/dpi-score", { body: {} })).status).toBe(401);
  });
});
