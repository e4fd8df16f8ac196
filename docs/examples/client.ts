/**
 * A shop's client for the Printcart AI Services API. Every path, body and
 * response is typed from the API's own OpenAPI document; no type is written
 * by hand:
 *
 *   npm install openapi-fetch
 *   npx openapi-typescript https://<api host>/v1/openapi.json -o api.d.ts
 *
 * test/e2e/typed-client.test.ts generates api.d.ts from `npm run dev`,
 * type-checks this file against it (any type error fails the test) and runs
 * runExample() against the same server.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./api.js";

export type Api = Client<paths>;
type Schemas = components["schemas"];

/** An API error with its status and JSON body ({ error, message, requestId, ... }). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${status} ${JSON.stringify(body)}`);
  }
}

/** The data of a successful call; any documented error status is thrown as an ApiError. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) throw new ApiError(result.response.status, result.error);
  return result.data;
}

function isInsufficientTokens(body: unknown): body is Schemas["InsufficientTokens"] {
  return typeof body === "object" && body !== null && (body as { error?: unknown }).error === "INSUFFICIENT_TOKENS";
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `read` until `done` says so, every `intervalMs`, for at most `timeoutMs`. */
async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, intervalMs: number, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not done after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await sleep(intervalMs);
  }
}

/** Logs in and returns a client that sends the access token with every request. */
export async function logIn(baseUrl: string, email: string, password: string, middleware: Middleware[] = []): Promise<Api> {
  const client = createClient<paths>({ baseUrl });
  for (const m of middleware) client.use(m);
  const { access_token } = ok(await client.POST("/v1/account/login", { body: { email, password } }));
  client.use({
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${access_token}`);
      return request;
    },
  });
  return client;
}

/** Removes an image's background (150 tokens) and waits for the cut-out. */
export async function removeBackground(api: Api, imageUrl: string, pollMs = 2_000): Promise<Schemas["BgRemovalJob"]> {
  const created = await api.POST("/v1/services/bg-remove", {
    body: { image_url: imageUrl, subject_type: "logo" },
    // A retry with the same key (after a timeout, say) is answered without a second charge.
    params: { header: { "Idempotency-Key": `bg-${crypto.randomUUID()}` } },
  });
  if (created.response.status === 402 && isInsufficientTokens(created.error)) {
    // The 402 body says how many tokens are missing and where to buy them.
    throw new Error(`${created.error.shortfall} tokens short; top up at ${created.error.top_up_url}`);
  }
  const { job_id } = ok(created);
  return poll(
    async () => ok(await api.GET("/v1/services/bg-remove/{jobId}", { params: { path: { jobId: job_id } } })),
    (job) => job.status === "completed" || job.status === "failed",
    pollMs,
    300_000,
  );
}

/** A full preflight check of a print file for a poster of the given size: the stored report. */
export async function checkPrintFile(api: Api, designId: string, fileUrl: string, widthInches: number, heightInches: number): Promise<Schemas["PreflightReport"]> {
  const { data } = ok(
    await api.POST("/v1/services/preflight/checks", {
      body: {
        designId,
        fileUrl,
        productType: "poster",
        canvasWidthInches: widthInches,
        canvasHeightInches: heightInches,
        productProfile: { requiredDpi: 300, bleedMm: 0 },
      },
    }),
  );
  return data;
}

/** An AI fix job from a report (2× upscale here) and its end. */
export async function fixPrintFile(api: Api, report: Schemas["PreflightReport"], pollMs = 2_000): Promise<Schemas["FixJob"]["data"]> {
  const { data: created } = ok(
    await api.POST("/v1/services/preflight/ai-jobs", {
      body: { preflightReportId: report.reportId, options: { fixTypes: ["upscale_resolution_2x"] } },
    }),
  );
  return poll(
    async () => ok(await api.GET("/v1/services/preflight/ai-jobs/{jobId}", { params: { path: { jobId: created.jobId } } })).data,
    (job) => job.status === "completed" || job.status === "failed",
    pollMs,
    300_000,
  );
}

/** Registers a webhook endpoint; keep the whsec_ secret to verify deliveries (it is shown only now). */
export async function registerWebhook(api: Api, url: string): Promise<Schemas["WebhookCreated"]["data"]> {
  const { data } = ok(
    await api.POST("/v1/webhooks", {
      body: { url, events: ["bg_remove.completed", "ai_job.completed"], description: "order pipeline" },
    }),
  );
  return data;
}

export interface ExampleInput {
  baseUrl: string;
  email: string;
  password: string;
  /** An image to cut out. */
  imageUrl: string;
  /** A low-resolution raster print file, which a 2× upscale fixes. */
  printFileUrl: string;
  /** Where webhook events go. */
  webhookUrl: string;
  /** Extra openapi-fetch middleware, e.g. logging. */
  middleware?: Middleware[];
  pollMs?: number;
}

/** The whole round: log in, cut out an image, check and fix a print file, register a webhook. */
export async function runExample(input: ExampleInput) {
  const api = await logIn(input.baseUrl, input.email, input.password, input.middleware);
  const webhook = await registerWebhook(api, input.webhookUrl);
  const cutOut = await removeBackground(api, input.imageUrl, input.pollMs);
  const report = await checkPrintFile(api, "example-design", input.printFileUrl, 8, 6);
  const fix = await fixPrintFile(api, report, input.pollMs);
  const { data: wallet } = ok(await api.GET("/v1/wallet"));
  return { webhook, cutOut, report, fix, wallet };
}
