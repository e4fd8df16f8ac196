// The service's limits as a deployment gets them without configuration, so
// that a section can say which sizes the service refuses by default.
import { readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * A pixel limit from the [vars] of the consumer Worker that runs the jobs it
 * limits (what wrangler deploys: MAX_SOURCE_PIXELS and MAX_OUTPUT_PIXELS in
 * the AI fix consumer's, BG_REMOVE_MAX_PIXELS in background removal's), else
 * the code's default.
 */
export function deployedPixelLimit(varName) {
  for (const config of ["wrangler.fixes.toml", "wrangler.consumer.toml"]) {
    const vars = new RegExp(`^${varName}\\s*=\\s*"(\\d+)"`, "m").exec(readFileSync(path.join(root, config), "utf8"));
    if (vars) return Number(vars[1]);
  }
  const code = new RegExp(`DEFAULT_${varName}\\s*=\\s*([\\d_]+)`).exec(readFileSync(path.join(root, "src/platform/settings.ts"), "utf8"));
  return code ? Number(code[1].replaceAll("_", "")) : null;
}

/**
 * The WebP pixel limits, constants of the decoder (src/imaging/open-raster.ts)
 * rather than vars: `lossy` for a lossy WebP without alpha, `lossless` for a
 * lossless one or one with alpha.
 */
export function webpPixelLimits() {
  const code = readFileSync(path.join(root, "src/imaging/open-raster.ts"), "utf8");
  const read = (name) => {
    const m = new RegExp(`export const ${name}\\s*=\\s*([\\d_]+)`).exec(code);
    if (!m) throw new Error(`${name} not found in src/imaging/open-raster.ts`);
    return Number(m[1].replaceAll("_", ""));
  };
  return { lossy: read("MAX_WEBP_PIXELS"), lossless: read("MAX_WEBP_LOSSLESS_PIXELS") };
}
