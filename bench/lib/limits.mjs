// The service's limits as a deployment gets them without configuration, so
// that a section can say which sizes the service refuses by default.
import { readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/** A pixel limit from the consumer's [vars] (what wrangler deploys), else the code's default. */
export function deployedPixelLimit(varName) {
  const vars = new RegExp(`^${varName}\\s*=\\s*"(\\d+)"`, "m").exec(readFileSync(path.join(root, "wrangler.consumer.toml"), "utf8"));
  if (vars) return Number(vars[1]);
  const code = new RegExp(`DEFAULT_${varName}\\s*=\\s*([\\d_]+)`).exec(readFileSync(path.join(root, "src/platform/settings.ts"), "utf8"));
  return code ? Number(code[1].replaceAll("_", "")) : null;
}
