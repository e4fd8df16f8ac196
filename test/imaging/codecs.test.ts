import { describe, expect, it } from "vitest";
import { decodeImage, encodePng } from "../../src/imaging/codecs";
import { sniff } from "../../src/imaging/sniff";
import { fixtureBytes } from "../helpers/fixtures";

describe("sniff", () => {
  it.each([
    ["preflight/png-alpha-used.png", "png"],
    ["preflight/jpeg-rgb-300dpi.jpg", "jpeg"],
    ["preflight/misnamed-png-as.jpg", "png"],
    ["preflight/tiff-rgb-lzw.tif", "tiff"],
    ["preflight/pdf-cmyk.pdf", "pdf"],
  ])("%s is %s", async (file, type) => {
    expect(sniff(await fixtureBytes(file))?.type).toBe(type);
  });

  it("reads the declared size of a decompression bomb without decoding it", async () => {
    expect(sniff(await fixtureBytes("preflight/png-bomb-20000x20000.png"))).toEqual({ type: "png", width: 20000, height: 20000 });
  });

  it("reads JPEG frame sizes as stored (before EXIF rotation)", async () => {
    expect(sniff(await fixtureBytes("preflight/jpeg-exif-orientation-6.jpg"))).toEqual({ type: "jpeg", width: 160, height: 240 });
  });

  it("refuses unknown bytes", () => {
    expect(sniff(new TextEncoder().encode("<html>not an image</html>"))).toBeNull();
  });
});

describe("codecs", () => {
  it("decodes a JPEG upright, applying EXIF orientation 6", async () => {
    const image = await decodeImage(await fixtureBytes("preflight/jpeg-exif-orientation-6.jpg"), "jpeg");
    expect([image.width, image.height]).toEqual([240, 160]);
  });

  it("round-trips RGBA through PNG exactly", async () => {
    const image = await decodeImage(await fixtureBytes("preflight/png-alpha-used.png"), "png");
    const again = await decodeImage(await encodePng(image), "png");
    expect([again.width, again.height]).toEqual([image.width, image.height]);
    expect(again.data).toEqual(image.data);
    const alphas = new Set<number>();
    for (let i = 3; i < image.data.length; i += 4) alphas.add(image.data[i]!);
    expect(alphas.has(0) && alphas.has(255)).toBe(true);
  });
});
