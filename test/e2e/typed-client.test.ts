// A typed client generated, not written: the OpenAPI document `npm run dev`
// serves passes an OpenAPI 3.1 validator written elsewhere
// (@seriousme/openapi-schema-validator), openapi-typescript turns it into
// types, the example client a shop would write (docs/examples/client.ts,
// openapi-fetch) type-checks against them with no error, and then runs
// against the server: every response it gets matches the document's schema
// for that operation and status.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { Middleware } from "openapi-fetch";
import openapiTS, { astToString } from "openapi-typescript";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureUrl } from "../helpers/fixtures";
import { baseUrl, fundedShop } from "./http";

const ROOT = path.resolve(import.meta.dirname, "../..");
const EXAMPLE = path.join(ROOT, "docs", "examples", "client.ts");

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>>;
}

/** What the test reads of the example's results (the example itself is typed by the generated file). */
interface ExampleModule {
  runExample(input: Record<string, unknown>): Promise<{
    webhook: { secret: string; events: string[] };
    cutOut: { status: string; output_url: string | null };
    report: { status: string; issues: { code: string; fixable: boolean }[] };
    fix: { status: string; correctedFileUrl: string | null };
    wallet: { balance: number };
  }>;
}

let doc: Doc;
/**
 * api.d.ts generated from the served document, and the example beside it as
 * a shop keeps them. Inside the project, so that openapi-fetch resolves from
 * its node_modules; removed afterwards.
 */
let workDir: string;

beforeAll(async () => {
  const res = await fetch(`${baseUrl()}/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
  mkdirSync(path.join(ROOT, "test-results"), { recursive: true });
  workDir = mkdtempSync(path.join(ROOT, "test-results", "typed-client-"));
  // openapi-typescript's Node API with its default options: what `npx openapi-typescript <url> -o api.d.ts` writes.
  writeFileSync(path.join(workDir, "api.d.ts"), astToString(await openapiTS(doc as never)));
  writeFileSync(path.join(workDir, "client.ts"), readFileSync(EXAMPLE, "utf8"));
  writeFileSync(path.join(workDir, "misuses.ts"), MISUSES);
});

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Wrong calls, each of which the generated types must refuse: if they were loose, `@ts-expect-error` would be unused, itself an error. */
const MISUSES = `import createClient from "openapi-fetch";
import type { paths } from "./api.js";

const api = createClient<paths>({ baseUrl: "http://127.0.0.1" });
export async function misuses() {
  // @ts-expect-error no such path
  await api.GET("/v1/no-such-path");
  // @ts-expect-error image_url is required
  await api.POST("/v1/services/bg-remove", { body: { subject_type: "logo" } });
  // @ts-expect-error not a subject type
  await api.POST("/v1/services/bg-remove", { body: { image_url: "https://example.com/a.png", subject_type: "cat" } });
  // @ts-expect-error the Idempotency-Key header is a string
  await api.POST("/v1/services/bg-remove", { body: { image_url: "https://example.com/a.png" }, params: { header: { "Idempotency-Key": 5 } } });
  // @ts-expect-error the job id is a path parameter that must be given
  await api.GET("/v1/services/bg-remove/{jobId}", {});
  // @ts-expect-error an unknown fix type
  await api.POST("/v1/services/preflight/ai-jobs", { body: { preflightReportId: "r", options: { fixTypes: ["colourise"] } } });
  const { data, error } = await api.GET("/v1/services/preflight/checks/{reportId}", { params: { path: { reportId: "r" } } });
  // @ts-expect-error the report is under data, camelCase
  data?.data.report_id;
  // @ts-expect-error an error body's message is a string
  const code: number | undefined = error?.message;
  const created = await api.POST("/v1/webhooks", { body: { url: "https://shop.example/hooks", events: ["bg_remove.completed"] } });
  const secret: string | undefined = created.data?.data.secret;
  return [secret, code];
}
`;

describe("a typed client generated from GET /v1/openapi.json", () => {
  it("is an OpenAPI 3.1 document that an independent validator accepts, every $ref resolving", async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("lists every route of the API reference's route table (docs/api.md)", () => {
    const page = readFileSync(path.join(ROOT, "docs", "api.md"), "utf8");
    const table = page.slice(page.indexOf("\n## Routes\n"), page.indexOf("\n## Errors\n"));
    const listed: string[] = [];
    for (const line of table.split("\n")) {
      const row = /^\| ([A-Z][A-Z, ]*) \| (.+?) \|/.exec(line);
      if (!row) continue;
      const paths = [...row[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      // "`/v1/webhooks/{id}/rotate-secret`, `/test`": a later path replaces the first one's last segment.
      const full = paths.map((p, i) => (i === 0 ? p : paths[0]!.replace(/\/[^/]+$/, p)));
      for (const method of row[1]!.split(",").map((m) => m.trim())) for (const p of full) listed.push(`${method} ${p}`);
    }
    expect(listed.length).toBeGreaterThan(25);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    // Signed file links are whole URLs the API hands out, not operations (test/openapi.test.ts).
    expect(listed.filter((name) => name !== "GET /v1/files/...").filter((name) => !documented.includes(name))).toEqual([]);
  });

  it("generates types that the example client and its misuses type-check against exactly", async () => {
    // Strict as a careful shop sets it; the generated file is checked too (no skipLibCheck).
    const compilerOptions = {
      target: "es2022",
      module: "esnext",
      moduleResolution: "bundler",
      lib: ["es2023", "dom"],
      types: [],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
    };
    writeFileSync(path.join(workDir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["client.ts", "misuses.ts", "api.d.ts"] }));
    // tsc in its own process: a compile that held this one's event loop for seconds would let the
    // dev server drop the idle keep-alive connections under the HTTP client's feet.
    const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      execFile(process.execPath, [tsc, "-p", workDir, "--pretty", "false"], { cwd: workDir }, (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: error ? (error.code as number) : 0, output: `${stdout}${stderr}` });
      });
    });
    expect(output).toBe("");
    expect(code).toBe(0);
    // The check saw the generated paths, not an `any`.
    expect(readFileSync(path.join(workDir, "api.d.ts"), "utf8")).toContain('"/v1/services/preflight/ai-jobs/{jobId}"');
  }, 120_000);

  it("runs the example against the server: cut-out, report, fix and webhook, every response as documented", async () => {
    const shop = await fundedShop("typed-client", 1_000);
    const hooks = `e2e-typed-client-${crypto.randomUUID()}`;
    const seen: { operation: string; status: number; body: unknown }[] = [];
    const record: Middleware = {
      async onResponse({ request, response, schemaPath }) {
        const text = await response.clone().text();
        seen.push({ operation: `${request.method.toLowerCase()} ${schemaPath}`, status: response.status, body: text ? JSON.parse(text) : null });
      },
    };
    // The copy that was type-checked; a path TypeScript does not follow, since api.d.ts exists only here.
    const { runExample } = (await import(/* @vite-ignore */ pathToFileURL(path.join(workDir, "client.ts")).href)) as ExampleModule;
    const result = await runExample({
      baseUrl: baseUrl(),
      email: shop.email,
      password: shop.password,
      imageUrl: fixtureUrl("bg/composite-logo.png"),
      printFileUrl: fixtureUrl("fixes/upscale-coffee-96x72.png"),
      webhookUrl: fixtureUrl(hooks, "hooks"),
      middleware: [record],
      pollMs: 500,
    });

    expect(result.webhook.secret).toMatch(/^whsec_/);
    expect(result.webhook.events).toEqual(["bg_remove.completed", "ai_job.completed"]);
    expect(result.cutOut).toMatchObject({ status: "completed", error_message: null, tokens_deducted: 150 });
    expect((await fetch(result.cutOut.output_url!)).headers.get("content-type")).toBe("image/png");
    // 96×72 px on an 8×6 in poster is 12 ppi: failed, with an upscale as its fix.
    expect(result.report.status).toBe("failed");
    expect(result.report.issues).toContainEqual(expect.objectContaining({ code: "LOW_RESOLUTION", fixable: true }));
    expect(result.fix).toMatchObject({ status: "completed", appliedFixTypes: ["upscale_resolution_2x"], tokensCharged: 30 });
    expect(result.fix.correctedFileUrl).toMatch(/^http/);
    expect(result.wallet.balance).toBe(1_000 - 150 - 30);

    // The secret the typed response carried signs the deliveries.
    let deliveries: { headers: Record<string, string>; body: string }[] = [];
    for (let i = 0; i < 120 && deliveries.length < 2; i++) {
      deliveries = (await (await fetch(fixtureUrl(hooks, "hooks"))).json()) as typeof deliveries;
      if (deliveries.length < 2) await new Promise((r) => setTimeout(r, 500));
    }
    const types = deliveries.map((d) => (new Webhook(result.webhook.secret).verify(d.body, d.headers) as { type: string }).type);
    expect(types.sort()).toEqual(["ai_job.completed", "bg_remove.completed"]);

    // Each response, success or not, matches the schema the document gives its operation and status.
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema(doc, "openapi.json");
    const pointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");
    expect(new Set(seen.map((s) => s.operation))).toEqual(
      new Set([
        "post /v1/account/login",
        "post /v1/webhooks",
        "post /v1/services/bg-remove",
        "get /v1/services/bg-remove/{jobId}",
        "post /v1/services/preflight/checks",
        "post /v1/services/preflight/ai-jobs",
        "get /v1/services/preflight/ai-jobs/{jobId}",
        "get /v1/wallet",
      ]),
    );
    for (const { operation, status, body } of seen) {
      const [method, schemaPath] = operation.split(" ") as [string, string];
      const response = doc.paths[schemaPath]?.[method]?.responses[String(status)];
      expect(response, `${operation} answered ${status}, which the document does not list`).toBeDefined();
      const ref = `openapi.json#/paths/${pointer(schemaPath)}/${method}/responses/${status}/content/application~1json/schema`;
      const validate = ajv.getSchema(ref)!;
      expect(validate(body), `${operation} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`).toBe(true);
    }
  }, 600_000);
});
