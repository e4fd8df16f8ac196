import { describe, expect, it } from "vitest";
import { ImageDecodeError } from "../../src/imaging/codecs";
import { decodeJpegStream, JpegStreamDecoder, jpegStreamHeapBytes, type JpegHeader, type JpegStreamOptions } from "../../src/imaging/jpeg-stream";
import { decodePng } from "../../src/imaging/png-decode";
import { fixtureBytes, fixtureUrl } from "../helpers/fixtures";
import { compare, rejection } from "../helpers/decoding";

// Made by scripts/fixtures/make-jpeg-stream-fixtures.sh, each with djpeg's decoding beside it.
const FIXTURES = [
  "baseline-420",
  "baseline-422",
  "baseline-444",
  "progressive-420",
  "progressive-444",
  "restart-every-mcu",
  "restart-every-row",
  "grey",
  "arithmetic-420",
  "multiscan-420",
  "cmyk",
  "ycck",
] as const;

/** `bytes` in pieces of `size` (the last one shorter). */
function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

interface Decoded {
  header: JpegHeader;
  pixels: Uint8Array;
  bands: number;
}

async function decodeAll(source: Uint8Array | Uint8Array[], options?: JpegStreamOptions): Promise<Decoded> {
  let pixels = new Uint8Array(0);
  let bands = 0;
  let next = 0;
  const header = await decodeJpegStream(
    source,
    {
      onHeader: (h) => {
        pixels = new Uint8Array(h.width * h.height * h.channels);
      },
      onBand: (band, h) => {
        // Bands come in order, each right after the last.
        expect(band.y).toBe(next);
        next += band.rows;
        pixels.set(band.data, band.y * h.width * h.channels);
        bands++;
      },
    },
    options,
  );
  expect(next).toBe(header.height);
  return { header, pixels, bands };
}

/** Our output as djpeg writes it: RGB, and CMYK through cmyk.h's R = C·K/255. */
function asDjpegRgb(decoded: Decoded): Uint8Array {
  const { header, pixels } = decoded;
  const n = header.width * header.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const p = pixels.subarray(i * header.channels, i * header.channels + header.channels);
    if (header.output === "cmyk") {
      const k = p[3]!;
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.floor((p[c]! * k) / 255 + 0.5);
    } else {
      rgb.set(p.subarray(0, 3), i * 3);
    }
  }
  return rgb;
}

async function djpegRgb(name: string): Promise<{ width: number; height: number; rgb: Uint8Array }> {
  const png = decodePng(await fixtureBytes(`jpeg-stream/${name}.djpeg.png`));
  const n = png.width * png.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) rgb.set(png.data.subarray(i * 4, i * 4 + 3), i * 3);
  return { width: png.width, height: png.height, rgb };
}


/** A gzipped fixture's JPEG as the body of a response, unzipped while it streams. */
async function gunzippedBody(file: string): Promise<ReadableStream<Uint8Array>> {
  const res = await fetch(fixtureUrl(`jpeg-stream/${file}`));
  if (!res.ok || !res.body) throw new Error(`fixture ${file}: ${res.status}`);
  return res.body.pipeThrough(new DecompressionStream("gzip"));
}


describe("jpeg-stream decodes as libjpeg-turbo's djpeg does", () => {
  it.each(FIXTURES)("%s: pixel-exact, fed whole, in 61-byte pieces and byte by byte", async (name) => {
    const bytes = await fixtureBytes(`jpeg-stream/${name}.jpg`);
    const expected = await djpegRgb(name);
    for (const [source, bandRows] of [
      [bytes, 16],
      [pieces(bytes, 61), 5],
      [pieces(bytes, 1), 1],
    ] as const) {
      const decoded = await decodeAll(source, { bandRows });
      expect([decoded.header.width, decoded.header.height]).toEqual([expected.width, expected.height]);
      expect(compare(asDjpegRgb(decoded), expected.rgb)).toEqual({ maxDiff: 0, differing: 0 });
    }
  });

  it("skips segments it does not keep (COM, APP13) across any number of pieces", async () => {
    const bytes = await fixtureBytes("jpeg-stream/baseline-420.jpg");
    const segment = (marker: number, length: number) => {
      const s = new Uint8Array(2 + length).fill(0x41);
      s.set([0xff, marker, length >> 8, length & 0xff]);
      return s;
    };
    // SOI, then a 30 KB comment and a 5 KB APP13 before the file's own segments.
    const padded = new Uint8Array([...bytes.subarray(0, 2), ...segment(0xfe, 30000), ...segment(0xed, 5000), ...bytes.subarray(2)]);
    const expected = await djpegRgb("baseline-420");
    for (const size of [1, 61, 4096, padded.length]) {
      expect(compare(asDjpegRgb(await decodeAll(pieces(padded, size))), expected.rgb).differing).toBe(0);
    }
  });

  it("gives RGB without alpha when asked, and opaque RGBA otherwise", async () => {
    const bytes = await fixtureBytes("jpeg-stream/baseline-420.jpg");
    const rgba = await decodeAll(bytes);
    const rgb = await decodeAll(bytes, { format: "rgb" });
    expect([rgba.header.output, rgba.header.channels, rgb.header.output, rgb.header.channels]).toEqual(["rgba", 4, "rgb", 3]);
    expect(compare(asDjpegRgb(rgb), asDjpegRgb(rgba)).differing).toBe(0);
    for (let i = 3; i < rgba.pixels.length; i += 4) if (rgba.pixels[i] !== 255) throw new Error(`alpha ${rgba.pixels[i]} at ${i}`);
  });
});

describe("jpeg-stream header", () => {
  const header = async (file: string) => (await decodeAll(await fixtureBytes(file))).header;

  it("reports size, colour space, sampling and scan structure", async () => {
    expect(await header("jpeg-stream/baseline-422.jpg")).toMatchObject({
      width: 101, height: 67, components: 3, colorSpace: "ycbcr", progressive: false, arithmetic: false,
      samplingFactors: [[2, 1], [1, 1], [1, 1]], subsampling: "4:2:2", restartInterval: 0, wholeImageBytes: 0,
    });
    expect(await header("jpeg-stream/baseline-444.jpg")).toMatchObject({ subsampling: "4:4:4" });
    expect(await header("jpeg-stream/grey.jpg")).toMatchObject({ components: 1, colorSpace: "grey", subsampling: null, output: "rgba" });
    expect(await header("jpeg-stream/restart-every-mcu.jpg")).toMatchObject({ restartInterval: 1, subsampling: "4:2:0" });
    expect(await header("jpeg-stream/arithmetic-420.jpg")).toMatchObject({ arithmetic: true });
  });

  it("gives the coefficient memory of progressive and multi-scan files: 2 bytes per coefficient, whole MCUs", async () => {
    // 99×75 at 4:2:0: luma 14×10 blocks (rounded up to whole MCUs), chroma 7×5 each, 128 bytes a block.
    const expected420 = (14 * 10 + 2 * 7 * 5) * 128;
    expect(await header("jpeg-stream/progressive-420.jpg")).toMatchObject({ progressive: true, wholeImageBytes: expected420 });
    // 101×67 at 4:4:4: 13×9 blocks for each of three components.
    expect(await header("jpeg-stream/progressive-444.jpg")).toMatchObject({ progressive: true, wholeImageBytes: 3 * 13 * 9 * 128 });
    // 101×67 at 4:2:0, one scan per component.
    expect(await header("jpeg-stream/multiscan-420.jpg")).toMatchObject({ progressive: false, wholeImageBytes: (14 * 10 + 2 * 7 * 5) * 128 });
  });

  it("reports CMYK as raw and inverted, with the Adobe transform (0 CMYK, 2 YCCK)", async () => {
    expect(await header("jpeg-stream/cmyk.jpg")).toMatchObject({ colorSpace: "cmyk", components: 4, adobeTransform: 0, output: "cmyk", channels: 4, cmykInverted: true });
    expect(await header("jpeg-stream/ycck.jpg")).toMatchObject({ colorSpace: "ycck", components: 4, adobeTransform: 2, output: "cmyk", channels: 4, cmykInverted: true });
    expect(await header("jpeg-stream/baseline-420.jpg")).toMatchObject({ adobeTransform: null, cmykInverted: false });
  });

  it("reassembles the ICC profile from its APP2 chunks, also when they arrive in small pieces", async () => {
    const bytes = await fixtureBytes("preflight/jpeg-cmyk-icc.jpg");
    for (const source of [bytes, pieces(bytes, 1000)]) {
      const { icc } = (await decodeAll(source)).header;
      expect(icc).not.toBeNull();
      // Ghostscript's default_cmyk.icc: 187,484 bytes, split over three APP2 markers.
      expect(icc!.length).toBe(187484);
      const view = new DataView(icc!.buffer, icc!.byteOffset);
      expect(view.getUint32(0)).toBe(icc!.length);
      expect(new TextDecoder().decode(icc!.subarray(36, 40))).toBe("acsp");
      expect(new TextDecoder().decode(icc!.subarray(16, 20))).toBe("CMYK");
    }
    expect((await header("preflight/jpeg-cmyk-noicc.jpg")).icc).toBeNull();
  });

  it("reads JFIF density and EXIF orientation, leaving rows as stored", async () => {
    expect((await header("preflight/jpeg-rgb-300dpi.jpg")).density).toEqual({ unit: "inch", x: 300, y: 300 });
    expect((await header("preflight/jpeg-rgb-nodensity.jpg")).density).toEqual({ unit: "aspect", x: 1, y: 1 });
    expect(await header("preflight/jpeg-exif-orientation-6.jpg")).toMatchObject({ orientation: 6, width: 160, height: 240 });
    expect((await header("jpeg-stream/baseline-420.jpg")).orientation).toBe(1);
  });
});

describe("jpeg-stream streams", () => {
  it("has the header before the pixels, and baseline rows before the file is complete", async () => {
    const bytes = await fixtureBytes("bg/coffee.jpg");
    const decoder = new JpegStreamDecoder({ bandRows: 8 });
    try {
      decoder.push(bytes.subarray(0, 40));
      expect(decoder.readHeader()).toBeNull();
      decoder.push(bytes.subarray(40, bytes.length >> 1));
      expect(decoder.readHeader()).toMatchObject({ width: 600, height: 400 });
      let rows = 0;
      for (let band = decoder.readBand(); band; band = decoder.readBand()) rows += band.rows;
      // Half the file gives roughly half the rows (more detail lower down would make it fewer).
      expect(rows).toBeGreaterThan(80);
      expect(rows).toBeLessThan(400);
      expect(decoder.done).toBe(false);
      decoder.push(bytes.subarray(bytes.length >> 1));
      decoder.end();
      for (let band = decoder.readBand(); band; band = decoder.readBand()) rows += band.rows;
      expect([rows, decoder.done]).toEqual([400, true]);
    } finally {
      decoder.close();
    }
  });

  it("gives a progressive file's rows once its last scan is in", async () => {
    const bytes = await fixtureBytes("jpeg-stream/progressive-420.jpg");
    const decoder = new JpegStreamDecoder();
    try {
      decoder.push(bytes.subarray(0, bytes.length - 10));
      expect(decoder.readHeader()).toMatchObject({ progressive: true });
      expect(decoder.readBand()).toBeNull();
      expect(decoder.rowsRead).toBe(0);
      decoder.push(bytes.subarray(bytes.length - 10));
      expect(decoder.readBand()?.rows).toBeGreaterThan(0);
    } finally {
      decoder.close();
    }
  });

  it("reads a ReadableStream body", async () => {
    const bytes = await fixtureBytes("jpeg-stream/baseline-422.jpg");
    const body = new Response(bytes).body!;
    const expected = await djpegRgb("baseline-422");
    const decoded = await decodeAll(pieces(bytes, bytes.length));
    let rows = 0;
    await decodeJpegStream(body, { onBand: (band) => void (rows += band.rows) });
    expect(rows).toBe(67);
    expect(compare(asDjpegRgb(decoded), expected.rgb).differing).toBe(0);
  });

  it("runs two decoders side by side on one heap without mixing them up", async () => {
    const [a, b] = await Promise.all(["baseline-420", "progressive-444"].map((n) => fixtureBytes(`jpeg-stream/${n}.jpg`)));
    const [expectA, expectB] = await Promise.all([djpegRgb("baseline-420"), djpegRgb("progressive-444")]);
    const one = new JpegStreamDecoder({ format: "rgb", bandRows: 3 });
    const two = new JpegStreamDecoder({ format: "rgb", bandRows: 7 });
    const outA = new Uint8Array(expectA.rgb.length);
    const outB = new Uint8Array(expectB.rgb.length);
    try {
      const piecesA = pieces(a!, 100);
      const piecesB = pieces(b!, 150);
      for (let i = 0; i < Math.max(piecesA.length, piecesB.length); i++) {
        for (const [decoder, input, out, width] of [
          [one, piecesA, outA, expectA.width],
          [two, piecesB, outB, expectB.width],
        ] as const) {
          if (i < input.length) decoder.push(input[i]!);
          if (i === input.length - 1) decoder.end();
          for (let band = decoder.readBand(); band; band = decoder.readBand()) out.set(band.data, band.y * width * 3);
        }
      }
      expect([one.done, two.done]).toEqual([true, true]);
    } finally {
      one.close();
      two.close();
    }
    expect(compare(outA, expectA.rgb).differing).toBe(0);
    expect(compare(outB, expectB.rgb).differing).toBe(0);
  });
});

describe("jpeg-stream memory", () => {
  it("holds a progressive file's coefficients while decoding it, and lets that heap go afterwards", async () => {
    // 2400×1800 at 4:4:4: 300×225 blocks per component, 128 bytes a block.
    const coefficients = 3 * 300 * 225 * 128;
    let heapWhileDecoding = 0;
    let rows = 0;
    let off = 0;
    const header = await decodeJpegStream(await gunzippedBody("flat-2400x1800-progressive-444.jpg.gz"), {
      onBand: (band) => {
        heapWhileDecoding = Math.max(heapWhileDecoding, jpegStreamHeapBytes());
        rows += band.rows;
        // One flat colour (#5080b0, give or take the YCbCr round trip).
        for (let i = 0; i < band.data.length; i += 4) {
          const d = Math.abs(band.data[i]! - 0x50) + Math.abs(band.data[i + 1]! - 0x80) + Math.abs(band.data[i + 2]! - 0xb0);
          if (d > 3) off++;
        }
      },
    });
    expect(header).toMatchObject({ width: 2400, height: 1800, progressive: true, wholeImageBytes: coefficients });
    expect([rows, off]).toEqual([1800, 0]);
    expect(heapWhileDecoding).toBeGreaterThan(coefficients);
    expect(heapWhileDecoding).toBeLessThan(coefficients + 2 * 1024 * 1024);
    // Past 16 MiB the instance is dropped with its last decoder: wasm memory never shrinks otherwise.
    expect(jpegStreamHeapBytes()).toBe(0);
  });

  it("refuses a file whose coefficients would pass maxMemory, before allocating them", async () => {
    const error = await rejection(async () => decodeJpegStream(await gunzippedBody("flat-2400x1800-progressive-444.jpg.gz"), { onBand: () => undefined }, { maxMemory: 16 * 1024 * 1024 }));
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toBe("JPEG needs 24.7 MiB for its coefficients (progressive), over the 16.0 MiB limit");
    // 8000×8000 at 4:4:4 needs 384 MB (366.2 MiB): over the default limit (96 MiB); the heap stays small.
    let header: JpegHeader | undefined;
    const big = await rejection(async () => decodeJpegStream(await gunzippedBody("flat-8000x8000-progressive-444.jpg.gz"), { onHeader: (h) => void (header = h), onBand: () => undefined }));
    expect(big.message).toMatch(/^JPEG needs 366\.2 MiB for its coefficients \(progressive\), over the 96\.0 MiB limit$/);
    expect(header?.wholeImageBytes).toBe(3 * 1000 * 1000 * 128);
    expect(jpegStreamHeapBytes()).toBeLessThan(1024 * 1024);
  });
});

describe("jpeg-stream fails cleanly", () => {
  it.each(FIXTURES)("%s cut short at any of several points is an ImageDecodeError, never a trap", async (name) => {
    const bytes = await fixtureBytes(`jpeg-stream/${name}.jpg`);
    for (const at of [2, 20, 200, bytes.length >> 1, bytes.length - 40, bytes.length - 3]) {
      const error = await rejection(() => decodeAll(pieces(bytes.subarray(0, at), 64)));
      expect(error).toBeInstanceOf(ImageDecodeError);
      expect(error.message).toMatch(/Premature end of input file|ended before its last row/);
    }
  });

  it("refuses the preflight fixture's truncated JPEG, which jSquash would fill with grey", async () => {
    const error = await rejection(async () => decodeAll(await fixtureBytes("preflight/jpeg-truncated.jpg")));
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toBe("JPEG: Premature end of input file");
  });

  it("refuses corrupt entropy data unless told to go on, and then counts libjpeg's warnings", async () => {
    const bytes = (await fixtureBytes("jpeg-stream/baseline-444.jpg")).slice();
    // A restart marker where none belongs, in the middle of the scan data.
    const at = bytes.length >> 1;
    bytes.set([0xff, 0xd3], at);
    const error = await rejection(() => decodeAll(bytes));
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toMatch(/^JPEG: Corrupt JPEG data/);

    const decoder = new JpegStreamDecoder({ strict: false });
    try {
      decoder.push(bytes);
      decoder.end();
      let rows = 0;
      for (let band = decoder.readBand(); band; band = decoder.readBand()) rows += band.rows;
      expect(rows).toBe(75);
      expect(decoder.warnings.count).toBeGreaterThan(0);
      expect(decoder.warnings.last).toMatch(/Corrupt JPEG data/);
    } finally {
      decoder.close();
    }
  });

  it("refuses noise in the scan data, bad tables and what is not a JPEG", async () => {
    const good = await fixtureBytes("jpeg-stream/progressive-420.jpg");
    const noisy = good.slice();
    let seed = 7;
    for (let i = noisy.length - 1200; i < noisy.length - 200; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      noisy[i] = seed >>> 24;
    }
    for (const bytes of [
      noisy,
      new TextEncoder().encode("<html>not a JPEG</html>"),
      await fixtureBytes("preflight/misnamed-png-as.jpg"),
      // SOF0 saying 0×0.
      (() => {
        const b = good.slice();
        const sof = b.findIndex((v, i) => v === 0xff && (b[i + 1] === 0xc2 || b[i + 1] === 0xc0));
        b.set([0, 0, 0, 0], sof + 5);
        return b;
      })(),
      // A Huffman table whose code counts add up to more than 256.
      (() => {
        const b = good.slice();
        const dht = b.findIndex((v, i) => v === 0xff && b[i + 1] === 0xc4);
        b.fill(0xff, dht + 5, dht + 21);
        return b;
      })(),
    ]) {
      const error = await rejection(() => decodeAll(bytes));
      expect(error).toBeInstanceOf(ImageDecodeError);
    }
  });

  it("is closed after a failure: later calls throw instead of touching the heap", async () => {
    const bytes = await fixtureBytes("jpeg-stream/baseline-420.jpg");
    const decoder = new JpegStreamDecoder();
    decoder.push(bytes.subarray(0, 900));
    expect(decoder.readHeader()).not.toBeNull();
    decoder.end();
    expect(() => decoder.readBand()).toThrow(ImageDecodeError);
    expect(() => decoder.readBand()).toThrow("JPEG decoder is closed");
    expect(() => decoder.push(bytes)).toThrow("JPEG decoder is closed");
    decoder.close();
  });

  it("stops reading a body as soon as the file is refused", async () => {
    let pulls = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new TextEncoder().encode("<html>not a JPEG</html>".repeat(100)));
      },
      cancel() {
        cancelled = true;
      },
    });
    const error = await rejection(() => decodeJpegStream(endless, { onBand: () => undefined }));
    expect(error.message).toMatch(/^JPEG: Not a JPEG file/);
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(5);
  });

  it("refuses a progressive file whose coefficients exceed maxMemory before decoding any of it", async () => {
    const bytes = await fixtureBytes("jpeg-stream/progressive-444.jpg");
    const error = await rejection(() => decodeAll(bytes, { maxMemory: 40_000 }));
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).reason).toBe("too_large");
    expect(error.message).toMatch(/needs 0\.0 MiB for its coefficients \(progressive\), over the 0\.0 MiB limit/);
  });

  it("keeps one heap of the same size across images and after failures", async () => {
    const bytes = await fixtureBytes("jpeg-stream/baseline-420.jpg");
    const expected = await djpegRgb("baseline-420");
    await decodeAll(bytes);
    const heap = jpegStreamHeapBytes();
    expect(heap).toBeGreaterThan(0);
    expect(heap).toBeLessThanOrEqual(1024 * 1024);
    for (let i = 0; i < 20; i++) {
      await rejection(() => decodeAll(bytes.subarray(0, bytes.length >> 1)));
      expect(compare(asDjpegRgb(await decodeAll(pieces(bytes, 333))), expected.rgb).differing).toBe(0);
    }
    expect(jpegStreamHeapBytes()).toBe(heap);
  });
});

describe("jpeg-stream crops, skips and runs more output passes", () => {
  /** Rows y0 … y1-1, columns x0 … x1-1 of an RGB frame `width` wide. */
  const region = (rgb: Uint8Array, width: number, x0: number, x1: number, y0: number, y1: number) => {
    const out: number[] = [];
    for (let y = y0; y < y1; y++) out.push(...rgb.subarray((y * width + x0) * 3, (y * width + x1) * 3));
    return new Uint8Array(out);
  };

  /** Every band left, as RGB rows `width` wide from row `first`. */
  const rest = (decoder: JpegStreamDecoder, first: number, width: number, height: number) => {
    const rgb = new Uint8Array((height - first) * width * 3);
    for (let band = decoder.readBand(); band; band = decoder.readBand()) {
      expect(band.width).toBe(width);
      rgb.set(band.data, (band.y - first) * width * 3);
    }
    expect(decoder.done).toBe(true);
    return rgb;
  };

  it.each(["baseline-420", "baseline-422", "progressive-420", "grey"] as const)("%s: a crop starts at an iMCU column and keeps djpeg's pixels; skipped rows are not missed", async (name) => {
    const bytes = await fixtureBytes(`jpeg-stream/${name}.jpg`);
    const expected = await djpegRgb(name);
    const decoder = new JpegStreamDecoder({ format: "rgb", bandRows: 4 });
    try {
      decoder.push(bytes);
      decoder.end();
      expect(decoder.start()).toBe(true);
      const crop = decoder.crop(37, 40);
      // The left edge moves to an iMCU boundary (16 columns at 4:2:0 and 4:2:2, 8 for grey); the right one stays.
      expect(crop).toEqual({ x: 32, width: 45 });
      expect(decoder.skip(21)).toBe(21);
      const rgb = rest(decoder, 21, crop.width, expected.height);
      // Columns inside the crop (its own edge columns upsample without their outer neighbour).
      const inner = (x0: number, x1: number) => region(rgb, crop.width, x0 - crop.x, x1 - crop.x, 0, expected.height - 21);
      expect(compare(inner(38, 76), region(expected.rgb, expected.width, 38, 76, 21, expected.height)).differing).toBe(0);
    } finally {
      decoder.close();
    }
  });

  it("skips while a baseline file is still arriving, as far as the input so far reaches", async () => {
    const bytes = await fixtureBytes("jpeg-stream/baseline-444.jpg");
    const expected = await djpegRgb("baseline-444");
    const decoder = new JpegStreamDecoder({ format: "rgb" });
    try {
      decoder.push(bytes.subarray(0, 1500));
      expect(decoder.start()).toBe(true);
      const first = decoder.skip(50);
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(50);
      expect(decoder.rowsRead).toBe(first);
      decoder.push(bytes.subarray(1500));
      decoder.end();
      expect(decoder.skip(50 - first)).toBe(50 - first);
      expect(compare(rest(decoder, 50, expected.width, expected.height), region(expected.rgb, expected.width, 0, expected.width, 50, expected.height)).differing).toBe(0);
    } finally {
      decoder.close();
    }
  });

  it("a buffered progressive decoder runs output pass after output pass over its coefficients", async () => {
    const bytes = await fixtureBytes("jpeg-stream/progressive-444.jpg");
    const expected = await djpegRgb("progressive-444");
    const decoder = new JpegStreamDecoder({ format: "rgb", buffered: true, bandRows: 8 });
    try {
      for (const piece of pieces(bytes, 500)) {
        decoder.push(piece);
        decoder.start();
      }
      decoder.end();
      expect(decoder.start()).toBe(true);
      expect(compare(rest(decoder, 0, expected.width, expected.height), expected.rgb).differing).toBe(0);
      for (const [x, width, skip] of [[0, 101, 0], [50, 51, 30], [8, 30, 66]] as const) {
        decoder.rewind();
        const crop = decoder.crop(x, width);
        expect(decoder.skip(skip)).toBe(skip);
        const rgb = rest(decoder, skip, crop.width, expected.height);
        // 4:4:4: no upsampling, so every column of the crop is exact.
        expect(compare(rgb, region(expected.rgb, expected.width, crop.x, crop.x + crop.width, skip, expected.height)).differing).toBe(0);
      }
    } finally {
      decoder.close();
    }
    const single = new JpegStreamDecoder();
    try {
      single.push(await fixtureBytes("jpeg-stream/baseline-420.jpg"));
      single.end();
      single.start();
      expect(() => single.rewind()).toThrow(/rewind needs/);
    } finally {
      single.close();
    }
  });

  it("gives files using what this build does not decode (12-bit, lossless) as unsupported, not damaged", async () => {
    const good = await fixtureBytes("jpeg-stream/baseline-444.jpg");
    const sof = good.findIndex((v, i) => v === 0xff && good[i + 1] === 0xc0);
    const twelveBit = good.slice();
    twelveBit[sof + 4] = 12;
    const lossless = good.slice();
    lossless[sof + 1] = 0xc3;
    for (const [bytes, message] of [[twelveBit, "JPEG: Unsupported JPEG data precision 12"], [lossless, "JPEG: Unsupported JPEG process: SOF type 0xc3"]] as const) {
      const error = await rejection(() => decodeAll(bytes));
      expect([error.message, (error as ImageDecodeError).reason]).toEqual([message, "unsupported"]);
    }
  });
});
