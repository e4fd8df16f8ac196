import { zlibSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../src/imaging/codecs";
import { decodeLzw, inflateZlibBounded, readTiffInfo, TiffError } from "../../src/imaging/tiff";
import { decodeTiff } from "../../src/imaging/tiff-bands";
import { fixtureBytes } from "../helpers/fixtures";

type ExifTags = Record<string, string | number>;
let expected: Record<string, { exiftool: { tags: ExifTags } }>;

beforeAll(async () => {
  expected = JSON.parse(new TextDecoder().decode(await fixtureBytes("preflight/expected.json"))).fixtures;
});

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const pixel = (image: { width: number; data: ArrayLike<number> }, x: number, y: number) => Array.from({ length: 4 }, (_, c) => image.data[(y * image.width + x) * 4 + c]!);

describe("readTiffInfo", () => {
  it.each(["tiff-rgb-lzw.tif", "tiff-cmyk-lzw.tif"])("%s: the tags exiftool reads", async (name) => {
    const info = readTiffInfo(await fixtureBytes(`preflight/${name}`));
    const tags = expected[name]!.exiftool.tags;
    expect(info.width).toBe(tags["IFD0:ImageWidth"]);
    expect(info.height).toBe(tags["IFD0:ImageHeight"]);
    expect(info.bitsPerSample).toBe(Number(String(tags["IFD0:BitsPerSample"]).split(" ")[0]));
    expect(info.samplesPerPixel).toBe(tags["IFD0:SamplesPerPixel"]);
    expect(info.photometric).toBe(tags["IFD0:PhotometricInterpretation"]);
    expect(info.compression).toBe(tags["IFD0:Compression"]);
    expect(info.compressionName).toBe("lzw");
    expect(info.planarConfiguration).toBe(tags["IFD0:PlanarConfiguration"]);
    expect(info.orientation).toBe(tags["IFD0:Orientation"]);
    expect(info.resolution).toEqual({ x: tags["IFD0:XResolution"], y: tags["IFD0:YResolution"], unit: "inch" });
    expect(info.iccProfile).toBeNull();
    expect(info.alpha).toBe("none");
    expect(info.dataComplete).toBe(true);
    expect(info.decodable).toEqual({ ok: true });
  });

  it("names the colour modes", async () => {
    expect(readTiffInfo(await fixtureBytes("preflight/tiff-rgb-lzw.tif")).colorMode).toBe("rgb");
    expect(readTiffInfo(await fixtureBytes("preflight/tiff-cmyk-lzw.tif")).colorMode).toBe("cmyk");
    expect(readTiffInfo(fromBase64(TIFFS["palette-4bit"])).colorMode).toBe("indexed");
    expect(readTiffInfo(fromBase64(TIFFS["gray16-bigendian-tiled-deflate"]))).toMatchObject({ colorMode: "gray", bitsPerSample: 16, tiled: true, predictor: 2 });
    expect(readTiffInfo(fromBase64(TIFFS["rgba-associated-lzw-predictor"]))).toMatchObject({ alpha: "associated", extraSamples: [1], samplesPerPixel: 4 });
    expect(readTiffInfo(fromBase64(TIFFS["rgba-unassociated-packbits"]))).toMatchObject({ alpha: "unassociated", compressionName: "packbits" });
  });

  it("says when strips lie past the end of the file, and refuses a cut-off header", async () => {
    const bytes = await fixtureBytes("preflight/tiff-rgb-lzw.tif");
    // ImageMagick writes the IFD after the strips, so a cut-off file loses its IFD; a strip
    // byte count pointing past the end stands in for strips that are missing.
    const broken = withFirstStripByteCount(bytes, 0x7fffffff);
    expect(readTiffInfo(broken).dataComplete).toBe(false);
    await expect(decodeTiff(broken)).rejects.toThrow(expect.objectContaining({ reason: "damaged" }));
    expect(() => readTiffInfo(bytes.subarray(0, 100))).toThrow(TiffError);
  });
});

/** A copy of a little-endian TIFF with the first StripByteCounts value replaced. */
function withFirstStripByteCount(bytes: Uint8Array, count: number): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const ifd = view.getUint32(4, true);
  for (let i = 0; i < view.getUint16(ifd, true); i++) {
    const at = ifd + 2 + i * 12;
    if (view.getUint16(at, true) !== 279) continue;
    expect(view.getUint16(at + 2, true)).toBe(4); // LONG values, stored elsewhere (10 strips)
    view.setUint32(view.getUint32(at + 8, true), count, true);
    return copy;
  }
  throw new Error("no StripByteCounts");
}

describe("decodeTiff", () => {
  it("decodes the RGB LZW fixture: size and pixels as ImageMagick (libtiff) reads them", async () => {
    const image = await decodeTiff(await fixtureBytes("preflight/tiff-rgb-lzw.tif"));
    expect([image.width, image.height, image.data.length]).toEqual([160, 160, 160 * 160 * 4]);
    // `convert tiff-rgb-lzw.tif -format '%[pixel:p{x,y}]' info:` with ImageMagick 6.9.11.
    expect(pixel(image, 0, 0)).toEqual([145, 140, 150, 255]);
    expect(pixel(image, 80, 80)).toEqual([14, 10, 3, 255]);
  });

  // Small files written by ImageMagick 6.9.11 (libtiff 4.5) from one 20×6 crop, each with a
  // PNG written from the same TIFF by ImageMagick: the decoder must agree with libtiff to ±1.
  it.each([
    ["rgb16-deflate-predictor", "rgb", 0],
    ["rgb-planar-packbits", "rgb", 0],
    ["rgba-unassociated-packbits", "rgba", 0],
    ["rgba-associated-lzw-predictor", "rgba-associated", 1],
    ["gray16-bigendian-tiled-deflate", "gray", 1],
    ["palette-4bit", "palette", 1],
    ["bilevel-white-is-zero", "bilevel", 0],
  ] as const)("%s matches its PNG twin within %s", async (name, twin, tolerance) => {
    const image = await decodeTiff(fromBase64(TIFFS[name]));
    const reference = await decodeImage(fromBase64(TWINS[twin]), "png");
    expect([image.width, image.height]).toEqual([20, 6]);
    expect(maxDifference(image.data, reference.data)).toBeLessThanOrEqual(tolerance);
  });

  it("keeps real alpha: the unassociated sample runs from nearly transparent to nearly opaque", async () => {
    const image = await decodeTiff(fromBase64(TIFFS["rgba-unassociated-packbits"]));
    const alphas = new Set<number>();
    for (let i = 3; i < image.data.length; i += 4) alphas.add(image.data[i]!);
    // The crop is x 4–23 of png-alpha-used.png's soft edge; ImageMagick lists alpha 0.0902 (23) at x 4, y 80 and 0.9647 (246) at x 23.
    expect(Math.min(...alphas)).toBe(23);
    expect(Math.max(...alphas)).toBe(246);
  });

  it("refuses an image over the pixel limit before decoding it", async () => {
    const bytes = await fixtureBytes("preflight/tiff-rgb-lzw.tif");
    const error = await decodeTiff(bytes, { maxPixels: 160 * 160 - 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TiffError);
    expect((error as TiffError).reason).toBe("too_large");
    expect((await decodeTiff(bytes, { maxPixels: 160 * 160 })).width).toBe(160);
  });

  it("reports cut-off and foreign files as damaged or unsupported, never anything else", async () => {
    const bytes = await fixtureBytes("preflight/tiff-rgb-lzw.tif");
    const reasonOf = async (input: Uint8Array) => {
      try {
        await decodeTiff(input);
        return "decoded";
      } catch (e) {
        return e instanceof TiffError ? e.reason : `other: ${String(e)}`;
      }
    };
    expect(await reasonOf(bytes.subarray(0, 100))).toBe("damaged");
    expect(await reasonOf(new TextEncoder().encode("II*\0 not really a tiff"))).toBe("damaged");
    expect(await reasonOf(Uint8Array.of(0x49, 0x49, 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toBe("unsupported");
    expect(await reasonOf(new Uint8Array(0))).toBe("damaged");
  });

  it("refuses a forged tag count without allocating it", () => {
    // One IFD entry: tag 270 (ImageDescription), type ASCII, count 100,000,000, value at offset 26.
    const forged = Uint8Array.of(0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x0e, 0x01, 2, 0, 0x00, 0xe1, 0xf5, 0x05, 26, 0, 0, 0, 0, 0, 0, 0);
    expect(() => readTiffInfo(forged)).toThrow(/past the end/);
  });
});

describe("decompressors", () => {
  it("decodes LZW, including a code that is defined by its own use (KwKwK)", () => {
    // Clear, 'A', 'B', 258 ("AB"), 260 (not yet in the table: "AB" + "A"), EOI, as 9-bit codes MSB first.
    const codes = [256, 65, 66, 258, 260, 257];
    const bits = codes.map((c) => c.toString(2).padStart(9, "0")).join("").padEnd(56, "0");
    const packed = Uint8Array.from({ length: bits.length / 8 }, (_, i) => parseInt(bits.slice(i * 8, i * 8 + 8), 2));
    expect(new TextDecoder().decode(decodeLzw(packed, 7))).toBe("ABABABA");
    // Never writes past what the strip needs.
    expect(new TextDecoder().decode(decodeLzw(packed, 4))).toBe("ABAB");
  });

  it("inflates zlib only up to the limit", () => {
    const bomb = zlibSync(new Uint8Array(2_000_000));
    expect(bomb.length).toBeLessThan(5_000);
    expect(inflateZlibBounded(bomb, 1000).length).toBe(1000);
    expect(inflateZlibBounded(zlibSync(Uint8Array.of(1, 2, 3)), 1000)).toEqual(Uint8Array.of(1, 2, 3));
  });
});

const TIFFS = {
  "rgb16-deflate-predictor": "SUkqAG4BAAB42kVSW27CMBD0OkZ8cSCQuAZXQ0gcgLvw1ZZ+tFIfH7SCkoQQSkL8bEajqI4ch/XszOwup9NyOZ0qFUPwKQYfvIjWWZZiikqliLhI1i8RRBjjlwj28M0TOGDwC7nOpsiYyKhfWdaLOGeLYr2ez4HB413wZIaW1sgEG9URo9qgihxopIhbvnGyihiUQg3MAgoRnkWxWs1mqNEY5GmtVPDekZdM4Cc7MmznLFCoiJy4RxZQul9DH9A94kSMQRybDspys1ksUrzWxwMiUAQOSGOYxa7BTXeHBr0gyj4O7vAejeiJt+wN1KmIHtru3nrXNPv9dhvDz3H35N3x8PgQQ1m8v4k4e61TdLZtyMe50Al4wI+5cELDtLPMGFbEh27oC1gR23mnddtWVZ4DPx6Dp77EcKk+P4Iv8uddP4f89SXF+vL9BR/n8vbb3LybTESqMyeKzYlrPShxavx3/PtBd6AJx3/ZiF3BEAAAAQMAAQAAABQAAAABAQMAAQAAAAYAAAACAQMAAwAAADQCAAADAQMAAQAAAAgAAAAGAQMAAQAAAAIAAAAKAQMAAQAAAAEAAAARAQQAAQAAAAgAAAASAQMAAQAAAAEAAAAVAQMAAQAAAAMAAAAWAQMAAQAAAAYAAAAXAQQAAQAAAGYBAAAcAQMAAQAAAAEAAAApAQMAAgAAAAAAAQA9AQMAAQAAAAIAAAA+AQUAAgAAAGoCAAA/AQUABgAAADoCAAAAAAAAEAAQABAAhetRAAAAgADD9agAAAAAAs3MTAAAAAABzcxMAAAAgADNzEwAAAAAAo/C9QAAAAAQNxqgAAAAAAIrhwoAAAAgAA==",
  "rgb-planar-packbits": "SUkqAIABAAD/6wnq6+rp6uvr6uvq/esD5ufs6v/t/+sA7P/q/esI6uvs6+rs7OvqAe3u/u3/7AHr6f3rBurr6urr7O0B7u3/7v/vBu7r6+zr6uv/7P7rAezmBvb08O7v7u/97f/rBuzt7Ozt6uQT9/j49vPx8Ovg7e7t7ezt7Ozt6uwHl5WSlJORlJP9kgeRlJORkJCVkROcmpaVmJWTlJWVk5KTlJKQk5SSkQeZm5yZmpuZmP+S/5UHkpSUkZCUlpUTqJuamp6dnJiWlpOSkpeWk5OVmJAT5M63paCbnJiXmZWTlJeWlZaXlZET8PPv4M26rJ+VlpWWlpWXlZaZlJYFOTYzNjYz/zb/NP41BjY1MjU2OTQTPTs4Njg4NTg4OTc2NTYzMzY1NTMTOj5APDw9PDs2NTg2NDY3NDQ2NzYDVj87PP5ADDk6OTQ1Njg3ODU2ODQTy59xT0I5Pjk5Ozg2Njo5ODk5OjwJ7PPlxZp0WklFNf82/zgDPDk5Pf85DwAAAQMAAQAAABQAAAABAQMAAQAAAAYAAAACAQMAAwAAADoCAAADAQMAAQAAAAWAAAAGAQMAAQAAAAIAAAAKAQMAAQAAAAEAAAARAQQAAwAAAEwCAAASAQMAAQAAAAEAAAAVAQMAAQAAAAMAAAAWAQMAAQAAAAYAAAAXAQQAAwAAAEACAAAcAQMAAQAAAAIAAAApAQMAAgAAAAAAAQA+AQUAAgAAAIgCAAA/AQUABgAAAFgCAAAAAAAACAAIAAgAewAAAH4AAAB/AAAACAAAAIMAAAABAQAAhetRAAAAgADD9agAAAAAAs3MTAAAAAABzcxMAAAAgADNzEwAAAAAAo/C9QAAAAAQNxqgAAAAAAIrhwoAAAAgAA==",
  "rgba-unassociated-packbits": "SUkqAO4BAABPZUIqF3dVPh6GZEwojGhQM41qUT+PblZNknJaXZNzV22PbVJ9kW1Tjpt4Xp+igGSuoH1jvJh3WsmYdFbVl3FR3pNqSuaJXTztf1Ev8oZWNfZPd1Q+F4VhTB+MZ1AojmlPM4llTECCYUtOhmZPXY5sUm6Nak1+jmpLj5ZzVaChfmGvpYFovZ17YMqZdVrVk29S349oSueKYT/tflIw8n1QLvZPd1Q9F3pXPh9+W0ApgmBDNINhRkCBYEdPh2ZMXpFuUG6Tb1F/kGpMkJFsUKCad1qwpH9mvqJ+Y8uZdlvWkWxR34hgQ+eGWzrtglYy8ntOK/ZPakcsF3VRNB97Vzspelg8NH1aP0GBXkVPhmRLXo9sUW6UblF/k21NkJFtTKCTcFCwnHddvqB7YcuZdlvWkm1T34xiReeHWjnugVMw8nxOLPZPcEsuF3lUNx99WDspfVc8NHtXPUB9W0JPgV9FXotoTG6Tb09/l3FOkJlyUKCXcE6wlnBQvpdzVMuYdFfWlHBT34xlSOeIXT3tglM08n1MLvZPck4yF3xXOh9+WTsof1g8M35aP0B9WkBOgVxDXYxmSm6TbUx+k29Mj5dyU6Cac1OvmnFQvZtzUcqedlbVnXZZ35JqTueKYEHth1k58nxNL/YQAAABAwABAAAAFAAAAAEBAwABAAAABgAAAAIBAwAEAAAAtAIAAAMBAwABAAAABYAAAAYBAwABAAAAAgAAAAoBAwABAAAAAQAAABEBBAABAAAACAAAABIBAwABAAAAAQAAABUBAwABAAAABAAAABYBAwABAAAABgAAABcBBAABAAAA5gEAABwBAwABAAAAAQAAACkBAwACAAAAAAABAD4BBQACAAAA7AIAAD8BBQAGAAAAvAIAAFIBAwABAAAAAgAAAAAAAAAIAAgACAAIAIXrUQAAAIAAw/WoAAAAAALNzEwAAAAAAc3MTAAAAIAAzcxMAAAAAAKPwvUAAAAAEDcaoAAAAAACK4cKAAAAIAA=",
  "rgba-associated-lzw-predictor": "SUkqAJQBAACAAkDAQLgUCAMDgcDAUFAeDAuHAQGAiFA4FAkDhCGgQIAeDhAFggDBEIA4GhEHAwEg+HAUHAIBP4GgcBgEGAQAv8EzF+Ah9PZ6gd9Pd6gWRQOQgaCweRAQCQICgMFwMBg2FgQHRgDA8GAqRgmoxqPSgGguSA4HVwFAqXzkGzh/gucv0FAF+vsEP5+PgDPh6PMCzl/ASkheDgIEQYBQ2HwOJQoCA8FSIHg2MRrEhHEgMI5OMg+UhAIA20Q6qv9/v0Fv99vsEvx8vYETF8gZ/P18gXYPoCV6CU7EVQFQapREGyKXAmKZWGhCJgUIxjOciNZeuWgF8oGgGcgsAPx+gl/z8Eax7Ad+Pt8gS9Pzex6CgMB4kCYviVODxOFg+MAW1AQ0avAilToKSCD6QOAwDAcBCMOOAoDLkAIAASfx8nw8p9r43B8AKfx9H294CqWxCogEsCDoggyrIMrKBuYBAIgarwIOU6EZgSCMVAexIBKyhzLAQBAFoMAwFPUfIENgeoDAAfZ9AKfB7HuAiAgRAAABAwABAAAAFAAAAAEBAwABAAAABgAAAAIBAwAEAAAAZgIAAAMBAwABAAAABQAAAAYBAwABAAAAAgAAAAoBAwABAAAAAQAAABEBBAABAAAACAAAABIBAwABAAAAAQAAABUBAwABAAAABAAAABYBAwABAAAABgAAABcBBAABAAAAjAEAABwBAwABAAAAAQAAACkBAwACAAAAAAABAD0BAwABAAAAAgAAAD4BBQACAAAAngIAAD8BBQAGAAAAbgIAAFIBAwABAAAAAQAAAAAAAAAIAAgACAAIAIXrUQAAAIAAw/WoAAAAAALNzEwAAAAAAc3MTAAAAIAAzcxMAAAAAAKPwvUAAAAAEDcaoAAAAAACK4cKAAAAIAA=",
  "gray16-bigendian-tiled-deflate": "TU0AKgAAAxp42h3OO0hbYRiH8fc7ZhGXRM81oRBM2kWKDsWhLlkKhrSQpbQhYDM3DmaO1BM6RlBEccgi3sHBSEQFHVzVxVlFMimiaDQxXs4536v5T7/xeea3ZMr7K845ICPKDI9xhA8pzgc8pnzlfvl7xSeH3VGOKP+9rEyJT7RDnXJYMp0JIbtlanFJ3NOyN0HbNC3/SX69pLTyh0+9ihiiuJfdWG0c8hfqasvwIHc6jlygqPeNoxRvq3O/t3lxczN7/aPW66w7RZFwf/GgmHGvPEk7yiq/dx6iStX98DB6W7r7XD9pDDV7lZ88RQX6yAFxL7vr4eBabtMu1JPBPLSDCVgOhmDVum7Z8Fu7MGYV4YiVhnNWDzw2nZaPZB7BPrMEM2YWTpoDcN/sgDXjtGXAdr/nKnahGTbw0UwaeWgbCVg2QrCq4+PJr+/CmF6EI3oazuk98FjDxzNpR7BPK8GMloWT2gDc1zpgTcXHS1hdg0k1D201ActqCFa70G/3+/Zav+0x33iuYhfeAPyYD7R42h3OOyyrYRzH8f/ztuck4pyknPfanqHBOYuILgy6dJFoauhAXJpgr0HnJrxlLCLChBAikRg0qYEwWLGwiLgk3USIS0pd3r7Pn/6mz/j9LnZR1Fso94g5Wa/M8xjX8xFF+ZDHlDZulb3LZ7Qu++X9j1M3KfvEf9qhWjksma6EkHWyb+mvJyx2edj7k+bkqOTPG0oog3zp5sUARd3k8pQYVybet36dcwfXOo5cowa3nRso6ilyq7u92kIPLjvy97STFbFyD3eI+fKtK2lH2eDvzmqLsuGkxXXI89hUvHgZKDUr3TxLGfrHNeJZ1hWD/s3Utp0pxv1paPtjMOcPwIJ1V/HFZ+3BiJWFI1YCrliN8MR0Kr6SeQxD5gIcMpNwxgzDA7MaPhmXFWvscmcqb2dKQQMfpbiRhrYRgzkjAAs6Pt58+h6M6Fk4oifgit4ITzR8vJN2DEPaAhzSknBGC8MDrRo+qfj4CKqbMK6moa3GYE4NwMIf9Kt83v3Kb1XEO5nK25kvJEEJsgAADwEAAAMAAAABABQAAAEBAAMAAAABAAYAAAECAAMAAAABABAAAAEDAAMAAAABAAgAAAEGAAMAAAABAAEAAAEKAAMAAAABAAEAAAESAAMAAAABAAEAAAEVAAMAAAABAAEAAAEcAAMAAAABAAEAAAEpAAMAAAACAAAAAQE9AAMAAAABAAIAAAFCAAMAAAABABAAAAFDAAMAAAABABAAAAFEAAQAAAACAAAD1AFFAAMAAAACAYkBiAAAAAAAAAAIAAABkQ==",
  "palette-4bit": "SUkqAEQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEQEQEAAAAAAAAhEREQAAAAAAAAVDIQEAAAAAAAAGZlQyIAAAAAAAAQAAABAwABAAAAFAAAAAEBAwABAAAABgAAAAIBAwABAAAABAAAAAMBAwABAAAAAQAAAAYBAwABAAAAAwAAAAoBAwABAAAAAQAAABEBBAABAAAACAAAABIBAwABAAAAAQAAABUBAwABAAAAAQAAABYBAwABAAAABgAAABcBBAABAAAAPAAAABwBAwABAAAAAQAAACkBAwACAAAAAAABAD4BBQACAAAAmgEAAD8BBQAGAAAAagEAAEABAwAwAAAACgEAAAAAAAA87EHsr+9x8XP09vai+AAAAAAAAAAAAAAAAAAAAAAAAIGVcZzmpjm5Ts7i4pvxAAAAAAAAAAAAAAAAAAAAAAAApzeYQpBQ8nIdncjI7OwAAAAAAAAAAAAAAAAAAAAAAACF61EAAACAAMP1qAAAAAACzcxMAAAAAAHNzEwAAACAAM3MTAAAAAACj8L1AAAAABA3GqAAAAAAAiuHCgAAACAA",
  "bilevel-white-is-zero": "SUkqABoAAAD///D///D///D///D///D///ANAAABAwABAAAAFAAAAAEBAwABAAAABgAAAAIBAwABAAAAAQAAAAMBAwABAAAAAQAAAAYBAwABAAAAAAAAAAoBAwABAAAAAQAAABEBBAABAAAACAAAABIBAwABAAAAAQAAABUBAwABAAAAAQAAABYBAwABAAAABgAAABcBBAABAAAAEgAAABwBAwABAAAAAQAAACkBAwACAAAAAAABAAAAAAA=",
};

const TWINS = {
  "rgb": "iVBORw0KGgoAAAANSUhEUgAAABQAAAAGCAMAAAD0SU6vAAABIFBMVEXrlznrlTbqkjPrlDbqkzbpkTPqlDbrkzbrkjTqkjTrkjXqkjXrkTXrkzXrkTLmkDXnkDbslTnqkTTtnD3tmjvrljjsmDjqlTjqkzXrlDjrlTjrlTnrkzfqkjbslDbrkjPqkDPskzbslDXqkTPtmTrumz7tnEDtmTztmjzsmz3smTzrmDvpkjbrlDfqkDTsljftlTbuqFbtmz/umjvumjzvnkDvnUDunEDrmDnrljrsljnrkzTrkjbslzjrkzjmkDT25Mv0zp/wt3HupU/voELumznvnD7tmDntlzntmTvtlTjslzrtljnslTjqlTrkkTz38Oz48/P47+X24MXzzZrxunTwrFrrn0nglUXtljXulTbtljbtljjtlzztmT3qlDnv2WCJAAAAhklEQVQI12NgYGRiZmFlY+fg5OLmYebl4xcQFGIQFhFlFBOXkJSSlpHllZNXUFTiUmZQUVVT19DU0tbhkmLkYNMV0mPWN2AwNDI2MTUzt7C0sua2sdW342UUs2dwcHRydnF1c/fw9GJn9vbxtfLw82cICAwKDgkNC4+IjIqO8Y0VtIqLtwIAVI8T8Cl0SE8AAAAASUVORK5CYII=",
  "rgba": "iVBORw0KGgoAAAANSUhEUgAAABQAAAAGCAYAAADDl76dAAABJ0lEQVQY0wXBAZJSMRBF0fvSnXwEBIaZKvfgMtyL67dqUIb8JN2eo9+/fv64v39s1+vl2NxPKjoXrxdzv0nrNvdxK+jteDq9bYd2jZWX1/71nTXPuca32fvh+fjcnn8fdavN/X7/4HK+qJlTlIwx1b92eXUOzZQxlITGKGrNVH3TiqUZMGJqBpIbKfG1dxySf89P+l7k1SQZmZKQrIhirjWGRh9077JDVTXTlBQr6a9OjIF7ob8G/nj84XQ8IDbmmlgxuTcykghhBcxEMOn9ScFwdwCkgpfCyFSuQAhvXnAzioCEWJFTC8ZOdeGb4SaKjIhg7w/GdCSjGGCGzFM4isCLOWaGRApSpZAZyVIqAoKckG4VM0tipVhppWRtjdgHMTq1VfZ98B9i+5tRLu5+XAAAAABJRU5ErkJggg==",
  "rgba-associated": "iVBORw0KGgoAAAANSUhEUgAAABQAAAAGCAYAAADDl76dAAABLElEQVQY0yXM0XUaMRCG0e+XZrQYsA3HOaSJVJFW0r0fHQO7K40mD7kFXP35/evnj4/35e16PS7VToKzrL3VZpeS49L3fqnS9Xg6X5fF32fwtvbnKzHOc/SX2LfD/etred7/enM3u91uHI8HLTRgsu9dfeuy1ViWIqIrmNr3IvdXmTfZdMVMYg6NSMkqKbFuGwawrk+2+q2DN2VUUkiOnAZuijE09s5mq2pxtWp69K4ZybrtZO9UE3sP7P75iV+cF288+qAWk1UnwggHB6iQGWzbg6KKmQEgFbwUek5lJEIYJzhwACYAMyIHBe0rw0RtBTNRVYhI+vpNN6NQkAGlQPEUHc3A+D9Ss6RUsqgSKGfOZE6U5AhSVjFT5hxZcmS1llYa0xeib7g7fev8A/h6nlFvUG/TAAAAAElFTkSuQmCC",
  "gray": "iVBORw0KGgoAAAANSUhEUgAAABQAAAAGCAYAAADDl76dAAAAyklEQVQY022QO47DMAxEHz/ufP8D5HCuDPgDAykkiikWIhJgCxYcjIZPI6/XK8cYRASqSmYyxsDMAMhMMhMRqX36pldEcHciAnf3EjMTM2OMUZqq/hs8NXcHYIwBgM+Hy7KUOEMzk9ZaBYtIeUQEESEiMDPM7I9+Xde6NtFVtb7s7j/U86Cq1szw1hqybVvu+86+75znSe+9qCKiOouIn8DvCiZ57x25rivNjN47931zHAfHcfA8D8/z8H6/q8fv7lS1ejYzWmuoKh8y1KsIVe5xTAAAAABJRU5ErkJggg==",
  "palette": "iVBORw0KGgoAAAANSUhEUgAAABQAAAAGCAYAAADDl76dAAAAXklEQVQY02N8PcX8PwMVARM1DUMYyM4NwdjYpBrILCSJ4CEbwM7NwPDzK8kGMn57dOL/39dXGP6+vsbw7909hr9fP0EMItfA7x/ewCPl/6c7DMiGMzAwMPx995wkAwGt2inDMNJEAQAAAABJRU5ErkJggg==",
  "bilevel": "iVBORw0KGgoAAAANSUhEUgAAABQAAAAGCAYAAADDl76dAAAAGElEQVQY02NkYGD4z0BFwERNw0YNpA4AAO13AQvLOX+iAAAAAElFTkSuQmCC",
};
