// Command-line tools the bench runs beside the API (poppler, ImageMagick)
// or makes its inputs with (ImageMagick, Ghostscript). They are Debian
// packages, installed with apt-get when missing, as .ci/run does for
// chromium; never downloaded from anywhere else.
import { spawnSync } from "node:child_process";

const PACKAGES = {
  pdfinfo: "poppler-utils",
  pdffonts: "poppler-utils",
  pdfimages: "poppler-utils",
  identify: "imagemagick",
  convert: "imagemagick",
  gs: "ghostscript",
};

const present = new Set();
const onPath = (command) => present.has(command) || (spawnSync("sh", ["-c", `command -v ${command}`]).status === 0 && present.add(command));

/** Makes sure `commands` can run, installing their packages first when they cannot. */
export function ensureTools(commands) {
  const missing = commands.filter((command) => !onPath(command));
  if (!missing.length) return;
  const packages = [...new Set(missing.map((command) => PACKAGES[command] ?? command))];
  console.log(`bench: installing ${packages.join(", ")} (apt-get) for ${missing.join(", ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const aptGet = (args) => spawnSync("apt-get", args, { stdio: "inherit", env }).status === 0;
  const installed = aptGet(["update", "-qq"]) && aptGet(["install", "-y", "-qq", ...packages]);
  const still = missing.filter((command) => !onPath(command));
  if (!installed || still.length) throw new Error(`${still.join(", ")} missing and apt-get could not install ${packages.join(", ")}: install them (as root) and run the bench again`);
}
