import { BandBuffer, BYTES_PER_PIXEL, type RasterStage } from "../imaging/raster-stream";

/**
 * `remove_transparency`: composites every pixel over white, row by row.
 * Colours are straight (not premultiplied) alpha, as PNG stores them.
 * Bands keep their RGBA layout with alpha 255 and the stream reports
 * `hasAlpha: false`, so the encoder can write RGB.
 */
export function removeTransparency(): RasterStage {
  return (input) => {
    const { width, height, hasAlpha } = input.info;
    if (!hasAlpha) return input;
    const out = new BandBuffer(width * BYTES_PER_PIXEL);
    return {
      info: { width, height, hasAlpha: false },
      retainedBytes: () => out.byteLength,
      bands: (async function* () {
        for await (const band of input.bands) {
          const rows = out.rows(band.height);
          flattenOverWhite(band.rows, rows);
          yield { ...band, rows };
        }
      })(),
    };
  };
}

export function flattenOverWhite(src: Uint8ClampedArray, dst: Uint8ClampedArray): void {
  for (let i = 0; i < src.length; i += 4) {
    const a = src[i + 3]!;
    const white = 255 * (255 - a) + 127;
    dst[i] = ((src[i]! * a + white) / 255) | 0;
    dst[i + 1] = ((src[i + 1]! * a + white) / 255) | 0;
    dst[i + 2] = ((src[i + 2]! * a + white) / 255) | 0;
    dst[i + 3] = 255;
  }
}
