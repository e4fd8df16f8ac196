#!/usr/bin/env node
// @imgly/background-removal-node end to end, as its README shows it: a file
// in, a PNG out. Its default model is "medium" (the same ISNet in fp16, run
// at 1024×1024). publicPath is set explicitly because its default depends on
// the working directory; with it the package reads its model from its own
// dist/ folder and makes no network request.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { removeBackground } from "@imgly/background-removal-node";
import { measure, runChild } from "./child.mjs";

const dist = path.dirname(createRequire(import.meta.url).resolve("@imgly/background-removal-node"));
export const IMGLY_CONFIG = { publicPath: `${pathToFileURL(dist)}/`, model: "medium", output: { format: "image/png" } };

runChild(async (job) => {
  const run = async (file) => Buffer.from(await (await removeBackground(pathToFileURL(file), IMGLY_CONFIG)).arrayBuffer());
  const result = await measure("imgly-node", run, job);
  return { ...result, model: `${IMGLY_CONFIG.model} (ISNet fp16 at 1024×1024, shipped in the package)` };
});
