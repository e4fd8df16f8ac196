import { expect } from "vitest";
import { encodePng } from "../../src/imaging/codecs";
import type { ResampleCrop } from "../../src/imaging/resample";
import { runTool } from "./tools";

/**
 * The reference is ImageMagick itself (Debian's 6.9.11 Q16) run on the same
 * PNG. Its result is read as 16-bit samples and rounded here: its PNG
 * writer truncates to 8 bits (a 16-bit 25829 = 100.502 × 257 is written as
 * 100), which alone puts every comparison near 51 dB and hides what the
 * filter does.
 */
export async function magickLanczos(image: ImageData, width: number, height: number, crop?: ResampleCrop): Promise<ImageData> {
  const cropArgs = crop ? ["-crop", `${crop.width}x${crop.height}+${crop.x}+${crop.y}`, "+repage"] : [];
  const args = ["{in}", ...cropArgs, "-filter", "Lanczos", "-resize", `${width}x${height}!`, "-depth", "16", "-endian", "MSB", "rgba:{out}"];
  const run = await runTool("convert", await encodePng(image), args, ".png");
  if (run.exitCode !== 0 || !run.output) throw new Error(`convert: ${run.stderr}`);
  expect(run.output.length).toBe(width * height * 8);
  const samples = new DataView(run.output.buffer, run.output.byteOffset, run.output.byteLength);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(samples.getUint16(i * 2) / 257);
  return new ImageData(data, width, height);
}
