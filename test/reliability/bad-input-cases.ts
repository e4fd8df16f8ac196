// The "bad input" table of the reliability suite: every endpoint fed
// malformed, out-of-range, forged, foreign, refused, truncated, mislabelled
// and hostile input. Each case says in words what it sends and exactly which
// answer the API contract (api-contract.md, docs/api.md "Errors") promises:
// a 4xx JSON error with its code, a job that ends `failed` with its tokens
// refunded, or, for preflight checks of broken files, the `failed` report
// docs/preflight.md promises instead of an error.
import { env } from "cloudflare:workers";
import { signFileUrl } from "../../src/files/signing";
import { signWidgetToken } from "../../src/widgets/token";
import type { Env } from "../../src/platform/env";
import { ADMIN_KEY, api, apiWith, workerFetch } from "../helpers/api";
import { fixtureBytes, fixtureUrl } from "../helpers/fixtures";
import { craftToken, TEST_JWT_SECRET } from "../helpers/jwt";
import { craftPng, zlibOfZeros } from "../helpers/png";

export type ApiResult = { status: number; body: any; headers: Headers };

export interface Account {
  id: string;
  token: string;
  email: string;
}

/** What the cases share; accounts and fixtures are made once, on first use. */
export interface Ctx {
  /** An account of the run, made on first use with `tokens` granted; cases of one group share it (each stays far below the rate limit). */
  account(name: string, tokens?: number): Promise<Account>;
  /** Another account's resources: a background-removal job, a report, an AI fix job, an upload and a widget token. */
  foreign(): Promise<{ owner: Account; bgJobId: string; reportId: string; fixJobId: string; uploadUrl: string; widgetTokenId: string }>;
  /** An account whose allowed origin is `origin`, with widget tokens for dpi-score only and for bg-remove only. */
  widgets(): Promise<{ shop: Account; origin: string; dpiOnly: string; bgOnly: string; bgOnlyId: string }>;
  /** A preflight report of `account` (asserting the 201). */
  report(account: Account, body: Record<string, unknown>): Promise<any>;
  /** Stores bytes through POST /v1/services/uploads and returns the signed fileUrl. */
  upload(account: Account, bytes: Uint8Array, contentType: string): Promise<string>;
}

export interface Expected {
  status: number;
  /** The `error` code of a 4xx. */
  error?: string;
  /** A 202 job that must end `failed` with this error_message, its whole price refunded once. */
  jobFails?: RegExp;
  /** A 201 preflight report with this status and these issue codes among its issues. */
  report?: { status: "passed" | "warnings" | "failed"; codes: string[] };
  /** An extra field of the error body, e.g. the code of the report that blocks a fix. */
  details?: Record<string, unknown>;
}

export interface Sent {
  res: ApiResult;
  /** The account whose wallet a job case charged (for the refund check). */
  account?: Account;
  /** Where to poll the job a 202 created. */
  jobPath?: string;
  /** Checks after the answer was checked; return a note for the table. */
  after?: () => Promise<string | void>;
}

export interface Case {
  endpoint: string;
  input: string;
  expect: Expected;
  send(ctx: Ctx): Promise<Sent>;
}

// ---- helpers -----------------------------------------------------------------

const JSON_TYPE = { "content-type": "application/json" };
const BG = "/v1/services/bg-remove";
const STICKERS = "/v1/services/stickers";
const DPI = "/v1/services/preflight/dpi-score";
const CHECKS = "/v1/services/preflight/checks";
const JOBS = "/v1/services/preflight/ai-jobs";
const UPLOADS = "/v1/services/uploads";
const GRANTS = "/v1/admin/wallet-grants";
const MINT = "/v1/account/widget-tokens";
const ORIGINS = "/v1/account/allowed-origins";

const now = () => Math.floor(Date.now() / 1000);
const text = (s: string) => new TextEncoder().encode(s);
const wrap = (res: ApiResult): Sent => ({ res });

function raw(path: string, body: BodyInit, headers: Record<string, string>, token?: string, method = "POST") {
  return api(path, { method, token, rawBody: body, headers });
}

export const DPI_BODY = { widthPx: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "photo_on_canvas" };
/** JSON just over the 64 KiB body limit, with a field every schema ignores. */
const oversized = (body: Record<string, unknown>) => ({ ...body, padding: "x".repeat(70_000) });

/** A bg-remove job of its own account (150 tokens, exactly its price) that must fail. */
async function failingBgJob(ctx: Ctx, name: string, imageUrl: (ctx: Ctx, account: Account) => Promise<string> | string): Promise<Sent> {
  const account = await ctx.account(name, 150);
  const res = await api(BG, { token: account.token, body: { image_url: await imageUrl(ctx, account) } });
  return { res, account, jobPath: res.status === 202 ? `${BG}/${res.body.job_id}` : undefined };
}

// ---- files made here: crafted PNGs, cut JPEGs, a zlib bomb -----------------------

let zlibBomb: Promise<Uint8Array> | undefined;
/**
 * A 64×64 PNG whose image data inflates to 256 MB: its header passes every
 * pixel limit, so only the decoder can stop it. Made once per run.
 */
export function zlibBombPng(): Promise<Uint8Array> {
  return (zlibBomb ??= zlibOfZeros(256 * 1024 * 1024).then((idat) => craftPng(64, 64, idat)));
}

/** A JPEG cut just before its scan data (SOS): header, tables and frame size are there, pixels are not. */
async function jpegWithoutScan(): Promise<Uint8Array> {
  const jpeg = await fixtureBytes("bg/chelsea.jpg");
  let i = 2;
  while (i + 1 < jpeg.length && !(jpeg[i] === 0xff && jpeg[i + 1] === 0xda)) i++;
  return jpeg.slice(0, i);
}

/** A 64×64 PNG whose IDAT is random bytes, not zlib data. */
const corruptPng = () => craftPng(64, 64, crypto.getRandomValues(new Uint8Array(512)));

/** The part of a signed link the Worker serves (host dropped: any host serving the API will do). */
const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

/** The signature with its first character changed: same length, same alphabet, wrong MAC. */
const alteredSignature = (url: string) => {
  const signature = new URL(url).searchParams.get("signature")!;
  return withParam(url, "signature", (signature[0] === "A" ? "B" : "A") + signature.slice(1));
};

/** The same R2 key signed correctly, but with an expiry two days ago. */
async function expiredLink(url: string): Promise<string> {
  const u = new URL(url);
  const key = u.pathname.slice("/v1/files/".length).split("/").map(decodeURIComponent).join("/");
  return (await signFileUrl(env.URL_SIGNING_SECRET, u.origin, key, now() - 2 * 86_400)).url;
}

const accessClaims = (sub: string, overrides: Record<string, unknown> = {}) => ({ sub, iat: now() - 60, exp: now() + 3600, ...overrides });
const get = (path: string, token?: string, headers?: Record<string, string>) => api(path, { token, headers });

// ---- the table ------------------------------------------------------------------

export const CASES: Case[] = [
  // Accounts: sign-up and login
  { endpoint: "POST /v1/account", input: "JSON cut off mid-object", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async () => wrap(await raw("/v1/account", '{"email": "a@example.com",', JSON_TYPE)) },
  { endpoint: "POST /v1/account", input: "a JSON array instead of an object", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async () => wrap(await raw("/v1/account", "[]", JSON_TYPE)) },
  { endpoint: "POST /v1/account", input: "email a number, password an array, name an object", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async () => wrap(await api("/v1/account", { body: { email: 12, password: ["x"], name: { a: 1 } } })) },
  { endpoint: "POST /v1/account", input: "password without upper case, digit or symbol", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async () => wrap(await api("/v1/account", { body: { email: `weak-${crypto.randomUUID()}@example.com`, password: "password" } })) },
  { endpoint: "POST /v1/account", input: "email with a NUL byte in it", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async () => wrap(await api("/v1/account", { body: { email: "shop\u0000@example.com", password: "Str0ng-pass!" } })) },
  {
    endpoint: "POST /v1/account",
    input: "an email that already has an account (other case)",
    expect: { status: 409, error: "CONFLICT" },
    send: async (ctx) => wrap(await api("/v1/account", { body: { email: (await ctx.account("accounts")).email.toUpperCase(), password: "An0ther-pass!" } })),
  },
  { endpoint: "POST /v1/account", input: "form-urlencoded body", expect: { status: 415, error: "UNSUPPORTED_MEDIA_TYPE" }, send: async () => wrap(await raw("/v1/account", "email=a%40example.com&password=x", { "content-type": "application/x-www-form-urlencoded" })) },
  { endpoint: "POST /v1/account", input: "JSON body of 70 KB (over the 64 KiB limit)", expect: { status: 413, error: "PAYLOAD_TOO_LARGE" }, send: async () => wrap(await api("/v1/account", { body: oversized({ email: "big@example.com", password: "Str0ng-pass!" }) })) },
  {
    endpoint: "POST /v1/account",
    input: "gzip-encoded body (8 MB of spaces in 8 KB) — never inflated",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async () => {
      const gzip = await new Response(new Blob([new Uint8Array(8 << 20).fill(0x20)]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
      return wrap(await raw("/v1/account", gzip, { ...JSON_TYPE, "content-encoding": "gzip" }));
    },
  },
  { endpoint: "POST /v1/account", input: "body of invalid UTF-8 bytes", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async () => wrap(await raw("/v1/account", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), JSON_TYPE)) },
  {
    endpoint: "POST /v1/account/login",
    input: "wrong password",
    expect: { status: 401, error: "UNAUTHORIZED" },
    send: async (ctx) => wrap(await api("/v1/account/login", { body: { email: (await ctx.account("accounts")).email, password: "Wr0ng-pass!" } })),
  },
  { endpoint: "POST /v1/account/login", input: "an email that has no account", expect: { status: 401, error: "UNAUTHORIZED" }, send: async () => wrap(await api("/v1/account/login", { body: { email: `nobody-${crypto.randomUUID()}@example.com`, password: "Str0ng-pass!" } })) },
  { endpoint: "POST /v1/account/login", input: "no password field", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async () => wrap(await api("/v1/account/login", { body: { email: "a@example.com" } })) },
  { endpoint: "POST /v1/account/login", input: "text/plain body", expect: { status: 415, error: "UNSUPPORTED_MEDIA_TYPE" }, send: async () => wrap(await raw("/v1/account/login", '{"email":"a@example.com","password":"x"}', { "content-type": "text/plain" })) },

  // Access tokens: missing, malformed, forged, expired
  { endpoint: "GET /v1/account", input: "no Authorization header", expect: { status: 401, error: "UNAUTHORIZED" }, send: async () => wrap(await get("/v1/account")) },
  { endpoint: "GET /v1/account", input: "Basic credentials instead of a bearer token", expect: { status: 401, error: "UNAUTHORIZED" }, send: async () => wrap(await get("/v1/account", undefined, { authorization: "Basic dXNlcjpwYXNz" })) },
  { endpoint: "GET /v1/account", input: "bearer token that is not a JWT", expect: { status: 401, error: "UNAUTHORIZED" }, send: async () => wrap(await get("/v1/account", "not-a-jwt")) },
  {
    endpoint: "GET /v1/account",
    input: "JWT signed with another secret (forged)",
    expect: { status: 401, error: "UNAUTHORIZED" },
    send: async (ctx) => wrap(await get("/v1/account", await craftToken({ alg: "HS256", typ: "JWT" }, accessClaims((await ctx.account("auth")).id), { secret: "some-other-secret-0123456789abcdef0123" }))),
  },
  {
    endpoint: "GET /v1/account",
    input: "JWT with alg none and no signature",
    expect: { status: 401, error: "UNAUTHORIZED" },
    send: async (ctx) => wrap(await get("/v1/account", await craftToken({ alg: "none", typ: "JWT" }, accessClaims((await ctx.account("auth")).id), { signature: "" }))),
  },
  {
    endpoint: "GET /v1/account",
    input: "JWT with alg HS512, signed with the real secret",
    expect: { status: 401, error: "UNAUTHORIZED" },
    send: async (ctx) => wrap(await get("/v1/account", await craftToken({ alg: "HS512", typ: "JWT" }, accessClaims((await ctx.account("auth")).id), { hash: "SHA-512" }))),
  },
  {
    endpoint: "GET /v1/account",
    input: "JWT expired a minute ago, signature valid",
    expect: { status: 401, error: "UNAUTHORIZED" },
    send: async (ctx) => wrap(await get("/v1/account", await craftToken({ alg: "HS256", typ: "JWT" }, accessClaims((await ctx.account("auth")).id, { iat: now() - 3700, exp: now() - 60 })))),
  },
  { endpoint: "GET /v1/account", input: "valid JWT for an account id that does not exist", expect: { status: 401, error: "UNAUTHORIZED" }, send: async () => wrap(await get("/v1/account", await craftToken({ alg: "HS256", typ: "JWT" }, accessClaims("acct_doesNotExist0000000")))) },
  { endpoint: "GET /v1/account", input: "valid JWT without sub", expect: { status: 401, error: "UNAUTHORIZED" }, send: async () => wrap(await get("/v1/account", await craftToken({ alg: "HS256", typ: "JWT" }, { iat: now(), exp: now() + 60 }))) },
  {
    endpoint: "GET /v1/account",
    input: "valid JWT whose exp is a string",
    expect: { status: 401, error: "UNAUTHORIZED" },
    send: async (ctx) => wrap(await get("/v1/account", await craftToken({ alg: "HS256", typ: "JWT" }, accessClaims((await ctx.account("auth")).id, { exp: "9999999999" })))),
  },
  { endpoint: "GET /v1/account", input: "JWT whose header is not UTF-8", expect: { status: 401, error: "UNAUTHORIZED" }, send: async () => wrap(await get("/v1/account", "__4.e30.AAAA")) },
  {
    endpoint: "GET /v1/wallet",
    input: "token of an account closed a moment ago",
    expect: { status: 401, error: "UNAUTHORIZED" },
    send: async (ctx) => {
      const closing = await ctx.account("closed");
      const closed = await api("/v1/account", { method: "DELETE", token: closing.token });
      if (closed.status !== 204) throw new Error(`closing the account: ${closed.status}`);
      return wrap(await get("/v1/wallet", closing.token));
    },
  },

  // Wallet and transactions
  { endpoint: "GET /v1/wallet/transactions", input: "limit=0", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get("/v1/wallet/transactions?limit=0", (await ctx.account("wallet", 10)).token)) },
  { endpoint: "GET /v1/wallet/transactions", input: "limit=101", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get("/v1/wallet/transactions?limit=101", (await ctx.account("wallet", 10)).token)) },
  { endpoint: "GET /v1/wallet/transactions", input: "limit=-5", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get("/v1/wallet/transactions?limit=-5", (await ctx.account("wallet", 10)).token)) },
  { endpoint: "GET /v1/wallet/transactions", input: "limit=abc", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get("/v1/wallet/transactions?limit=abc", (await ctx.account("wallet", 10)).token)) },
  { endpoint: "GET /v1/wallet/transactions", input: "limit=1.5", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get("/v1/wallet/transactions?limit=1.5", (await ctx.account("wallet", 10)).token)) },
  { endpoint: "GET /v1/wallet/transactions", input: "cursor=garbage", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get("/v1/wallet/transactions?cursor=garbage", (await ctx.account("wallet", 10)).token)) },
  { endpoint: "GET /v1/wallet/transactions", input: "cursor=TX-1 (not zero-padded)", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get("/v1/wallet/transactions?cursor=TX-1", (await ctx.account("wallet", 10)).token)) },
  {
    endpoint: "GET /v1/wallet/transactions",
    input: "cursor with SQL in it",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => wrap(await get(`/v1/wallet/transactions?cursor=${encodeURIComponent("TX-00001' OR '1'='1")}`, (await ctx.account("wallet", 10)).token)),
  },
  { endpoint: "GET /v1/wallet/transactions", input: "service of 65 characters", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get(`/v1/wallet/transactions?service=${"s".repeat(65)}`, (await ctx.account("wallet", 10)).token)) },
  { endpoint: "DELETE /v1/wallet", input: "a method the wallet does not have", expect: { status: 404, error: "NOT_FOUND" }, send: async (ctx) => wrap(await api("/v1/wallet", { method: "DELETE", token: (await ctx.account("wallet", 10)).token })) },

  // Admin wallet grants
  { endpoint: "POST /v1/admin/wallet-grants", input: "no X-Admin-Key", expect: { status: 401, error: "UNAUTHORIZED" }, send: async (ctx) => wrap(await api(GRANTS, { body: { accountId: (await ctx.account("grants")).id, tokens: 10, reason: "x", idempotencyKey: crypto.randomUUID() } })) },
  {
    endpoint: "POST /v1/admin/wallet-grants",
    input: "wrong X-Admin-Key",
    expect: { status: 403, error: "FORBIDDEN" },
    send: async (ctx) => wrap(await api(GRANTS, { headers: { "x-admin-key": "guess" }, body: { accountId: (await ctx.account("grants")).id, tokens: 10, reason: "x", idempotencyKey: crypto.randomUUID() } })),
  },
  ...(
    [
      ["tokens -500 (negative)", -500],
      ["tokens 0", 0],
      ["tokens 10^12 (over the per-entry maximum)", 1e12],
      ["tokens 1.5", 1.5],
      ['tokens "100" (a string)', "100"],
    ] as const
  ).map(
    ([input, tokens]): Case => ({
      endpoint: "POST /v1/admin/wallet-grants",
      input,
      expect: { status: 400, error: "VALIDATION_ERROR" },
      send: async (ctx) => wrap(await api(GRANTS, { headers: { "x-admin-key": ADMIN_KEY }, body: { accountId: (await ctx.account("grants")).id, tokens, reason: "x", idempotencyKey: crypto.randomUUID() } })),
    }),
  ),
  {
    endpoint: "POST /v1/admin/wallet-grants",
    input: "tokens 1e309 (Infinity once parsed)",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) =>
      wrap(await raw(GRANTS, `{"accountId":"${(await ctx.account("grants")).id}","tokens":1e309,"reason":"x","idempotencyKey":"${crypto.randomUUID()}"}`, { ...JSON_TYPE, "x-admin-key": ADMIN_KEY })),
  },
  {
    endpoint: "POST /v1/admin/wallet-grants",
    input: "both email and accountId",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => {
      const a = await ctx.account("grants");
      return wrap(await api(GRANTS, { headers: { "x-admin-key": ADMIN_KEY }, body: { accountId: a.id, email: a.email, tokens: 10, reason: "x", idempotencyKey: crypto.randomUUID() } }));
    },
  },
  { endpoint: "POST /v1/admin/wallet-grants", input: "reason of only spaces", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await api(GRANTS, { headers: { "x-admin-key": ADMIN_KEY }, body: { accountId: (await ctx.account("grants")).id, tokens: 10, reason: "   ", idempotencyKey: crypto.randomUUID() } })) },
  { endpoint: "POST /v1/admin/wallet-grants", input: "an accountId that does not exist", expect: { status: 404, error: "NOT_FOUND" }, send: async () => wrap(await api(GRANTS, { headers: { "x-admin-key": ADMIN_KEY }, body: { accountId: "acct_doesNotExist0000000", tokens: 10, reason: "x", idempotencyKey: crypto.randomUUID() } })) },
  {
    endpoint: "POST /v1/admin/wallet-grants",
    input: "idempotencyKey reused for another amount",
    expect: { status: 409, error: "CONFLICT" },
    send: async (ctx) => {
      const a = await ctx.account("grant-reuse");
      const key = crypto.randomUUID();
      const first = await api(GRANTS, { headers: { "x-admin-key": ADMIN_KEY }, body: { accountId: a.id, tokens: 10, reason: "first", idempotencyKey: key } });
      if (first.status !== 201) throw new Error(`first grant: ${first.status}`);
      const res = await api(GRANTS, { headers: { "x-admin-key": ADMIN_KEY }, body: { accountId: a.id, tokens: 10_000, reason: "second", idempotencyKey: key } });
      return {
        res,
        after: async () => {
          const wallet = await get("/v1/wallet", a.token);
          if (wallet.body.data.balance !== 10) throw new Error(`the reused key credited again: ${JSON.stringify(wallet.body)}`);
          return "balance stays 10";
        },
      };
    },
  },

  // Segmentation model administration
  {
    endpoint: "PUT /v1/admin/models/{name}/files/{path}",
    input: "model name ..%2F..%2Fuploads (path traversal)",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async () => wrap(await raw("/v1/admin/models/..%2F..%2Fuploads/files/x.onnx", new Uint8Array([1, 2, 3]), { "x-admin-key": ADMIN_KEY, "x-content-sha256": "0".repeat(64), "content-type": "application/octet-stream" }, undefined, "PUT")),
  },
  {
    endpoint: "PUT /v1/admin/models/{name}/files/{path}",
    input: "file whose X-Content-SHA256 does not match",
    expect: { status: 422, error: "UNPROCESSABLE_INPUT" },
    send: async () => wrap(await raw("/v1/admin/models/bad-input-model/files/x.onnx", new Uint8Array([1, 2, 3]), { "x-admin-key": ADMIN_KEY, "x-content-sha256": "0".repeat(64), "content-type": "application/octet-stream" }, undefined, "PUT")),
  },
  { endpoint: "PUT /v1/admin/models/active", input: "manifest missing its fields", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async () => wrap(await api("/v1/admin/models/active", { method: "PUT", headers: { "x-admin-key": ADMIN_KEY }, body: { name: "nope", files: [] } })) },
  { endpoint: "GET /v1/admin/models/active", input: "wrong X-Admin-Key", expect: { status: 403, error: "FORBIDDEN" }, send: async () => wrap(await get("/v1/admin/models/active", undefined, { "x-admin-key": "test-admin-keY" })) },

  // Uploads
  { endpoint: "POST /v1/services/uploads", input: "empty body", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await raw(UPLOADS, new Uint8Array(), { "content-type": "image/png" }, (await ctx.account("uploads")).token)) },
  { endpoint: "POST /v1/services/uploads", input: "text labelled image/png", expect: { status: 415, error: "UNSUPPORTED_MEDIA_TYPE" }, send: async (ctx) => wrap(await raw(UPLOADS, text("just some words, not a picture"), { "content-type": "image/png" }, (await ctx.account("uploads")).token)) },
  { endpoint: "POST /v1/services/uploads", input: "a GIF (not a type the services read)", expect: { status: 415, error: "UNSUPPORTED_MEDIA_TYPE" }, send: async (ctx) => wrap(await raw(UPLOADS, text("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), { "content-type": "image/gif" }, (await ctx.account("uploads")).token)) },
  {
    endpoint: "POST /v1/services/uploads",
    input: "100 MiB + 10 bytes with Content-Length (over MAX_SOURCE_BYTES)",
    expect: { status: 413, error: "PAYLOAD_TOO_LARGE" },
    send: async (ctx) => wrap(await raw(UPLOADS, new Uint8Array(100 * 1024 * 1024 + 10), { "content-type": "image/png" }, (await ctx.account("uploads")).token)),
  },
  {
    endpoint: "POST /v1/services/uploads",
    input: "a PDF of 25 MiB + 10 bytes with Content-Length (over MAX_PDF_BYTES)",
    expect: { status: 413, error: "PAYLOAD_TOO_LARGE" },
    send: async (ctx) => {
      const pdf = new Uint8Array(25 * 1024 * 1024 + 10);
      pdf.set(text("%PDF-1.7\n"));
      return wrap(await raw(UPLOADS, pdf, { "content-type": "application/pdf" }, (await ctx.account("uploads")).token));
    },
  },
  {
    endpoint: "POST /v1/services/uploads",
    input: "a PNG of 9 MiB streamed without Content-Length (MAX_SOURCE_BYTES 8 MiB)",
    expect: { status: 413, error: "PAYLOAD_TOO_LARGE" },
    send: async (ctx) => {
      let chunks = 9;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (chunks-- <= 0) return controller.close();
          const chunk = new Uint8Array(1 << 20);
          if (chunks === 8) chunk.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
          controller.enqueue(chunk);
        },
      });
      const call = apiWith({ MAX_SOURCE_BYTES: String(8 * 1024 * 1024) });
      return wrap(await call(UPLOADS, { method: "POST", token: (await ctx.account("uploads")).token, rawBody: body, headers: { "content-type": "image/png" } }));
    },
  },
  {
    endpoint: "POST /v1/services/uploads",
    input: "multipart without a `file` field",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => {
      const form = new FormData();
      form.set("picture", "not here");
      return wrap(await api(UPLOADS, { method: "POST", token: (await ctx.account("uploads")).token, rawBody: form }));
    },
  },
  { endpoint: "POST /v1/services/uploads", input: "multipart without a boundary", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await raw(UPLOADS, "--x\r\nnothing", { "content-type": "multipart/form-data" }, (await ctx.account("uploads")).token)) },
  { endpoint: "POST /v1/services/uploads", input: "no bearer token", expect: { status: 401, error: "UNAUTHORIZED" }, send: async () => wrap(await raw(UPLOADS, new Uint8Array([0xff, 0xd8, 0xff]), { "content-type": "image/jpeg" })) },

  // Background removal: the request
  ...(
    [
      ["image_url ftp://", "ftp://127.0.0.1/photo.jpg"],
      ["image_url file:///etc/passwd", "file:///etc/passwd"],
      ["image_url javascript:", "javascript:alert(1)"],
      ["image_url data: URI", "data:image/png;base64,iVBORw0KGgo="],
      ["image_url http://127.0.0.2 (loopback, not allow-listed)", "http://127.0.0.2/photo.jpg"],
      ["image_url http://127.0.0.3:8080", "http://127.0.0.3:8080/photo.jpg"],
      ["image_url http://127.2 (short form of 127.0.0.2)", "http://127.2/photo.jpg"],
      ["image_url http://0x7f000002 (hex form)", "http://0x7f000002/photo.jpg"],
      ["image_url http://2130706434 (decimal form)", "http://2130706434/photo.jpg"],
      ["image_url http://[::1]", "http://[::1]/photo.jpg"],
      ["image_url http://[::ffff:127.0.0.2] (IPv4-mapped)", "http://[::ffff:127.0.0.2]/photo.jpg"],
      ["image_url http://printer.localhost", "http://printer.localhost/photo.jpg"],
      ["image_url with credentials (user:pass@127.0.0.1)", "http://user:pass@127.0.0.1/photo.jpg"],
      ["image_url of 3,000 characters", `http://127.0.0.1/${"a".repeat(3000)}.jpg`],
      ["image_url not a URL", "photo.jpg"],
    ] as const
  ).map(
    ([input, imageUrl]): Case => ({
      endpoint: "POST /v1/services/bg-remove",
      input,
      expect: { status: 400, error: "VALIDATION_ERROR" },
      send: async (ctx) => wrap(await api(BG, { token: (await ctx.account("bg-url", 1000)).token, body: { image_url: imageUrl } })),
    }),
  ),
  ...(
    [
      ['subject_type "animal"', { subject_type: "animal" }],
      ["edge_softness 11", { edge_softness: 11 }],
      ["edge_softness 2.5", { edge_softness: 2.5 }],
      ["edge_softness -1", { edge_softness: -1 }],
      ['edge_softness "3" (a string)', { edge_softness: "3" }],
      ['high_detail_mode "yes"', { high_detail_mode: "yes" }],
      ['output_background "black"', { output_background: "black" }],
      ["image_url null", { image_url: null }],
      ["image_url a number", { image_url: 42 }],
    ] as const
  ).map(
    ([input, fields]): Case => ({
      endpoint: "POST /v1/services/bg-remove",
      input,
      expect: { status: 400, error: "VALIDATION_ERROR" },
      send: async (ctx) => wrap(await api(BG, { token: (await ctx.account("bg-fields", 1000)).token, body: { image_url: fixtureUrl("bg/coffee.jpg"), ...fields } })),
    }),
  ),
  ...(
    [
      ['crop_margin "abc"', { crop: true, crop_margin: "abc" }],
      ['crop_margin "60%" (over 50 %)', { crop: true, crop_margin: "60%" }],
      ['crop_margin "-5px"', { crop: true, crop_margin: "-5px" }],
      ['crop "yes"', { crop: "yes" }],
    ] as const
  ).map(
    ([input, fields]): Case => ({
      endpoint: "POST /v1/services/bg-remove",
      input,
      expect: { status: 400, error: "VALIDATION_ERROR" },
      send: async (ctx) => wrap(await api(BG, { token: (await ctx.account("bg-fields", 1000)).token, body: { image_url: fixtureUrl("bg/coffee.jpg"), ...fields } })),
    }),
  ),
  ...(
    [
      ["size_inches 30", { size_inches: 30 }],
      ["dpi 5000", { dpi: 5000 }],
      ["size_inches 24 at dpi 300 (7,200 px)", { size_inches: 24, dpi: 300 }],
      ['border_color "red"', { border_color: "red" }],
      ["border_mm 6 on a 0.5 in sticker", { size_inches: 0.5, border_mm: 6 }],
      ['single_piece "no"', { single_piece: "no" }],
      ["image_url http://127.0.0.2 (loopback, not allowed)", { image_url: "http://127.0.0.2/logo.png" }],
    ] as const
  ).map(
    ([input, fields]): Case => ({
      endpoint: "POST /v1/services/stickers",
      input,
      expect: { status: 400, error: "VALIDATION_ERROR" },
      send: async (ctx) => wrap(await api(STICKERS, { token: (await ctx.account("stk-fields", 1000)).token, body: { image_url: fixtureUrl("bg/composite-logo.png"), ...fields } })),
    }),
  ),
  { endpoint: "POST /v1/services/stickers", input: "no body at all", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await api(STICKERS, { method: "POST", token: (await ctx.account("stk-fields", 1000)).token })) },
  {
    endpoint: "POST /v1/services/stickers",
    input: "a wallet with 100 tokens (a sticker holds 180)",
    expect: { status: 402, error: "INSUFFICIENT_TOKENS", details: { balance: 100, shortfall: 80 } },
    send: async (ctx) => wrap(await api(STICKERS, { token: (await ctx.account("stk-poor", 100)).token, body: { image_url: fixtureUrl("bg/composite-logo.png") } })),
  },
  { endpoint: "GET /v1/services/stickers/{jobId}", input: "an unknown job id", expect: { status: 404, error: "NOT_FOUND" }, send: async (ctx) => wrap(await get(`${STICKERS}/stk_unknown`, (await ctx.account("stk-fields", 1000)).token)) },
  { endpoint: "POST /v1/services/bg-remove", input: "JSON null as the body", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await raw(BG, "null", JSON_TYPE, (await ctx.account("bg-fields", 1000)).token)) },
  { endpoint: "POST /v1/services/bg-remove", input: "no body at all", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await api(BG, { method: "POST", token: (await ctx.account("bg-fields", 1000)).token })) },
  { endpoint: "POST /v1/services/bg-remove", input: "text/plain body", expect: { status: 415, error: "UNSUPPORTED_MEDIA_TYPE" }, send: async (ctx) => wrap(await raw(BG, JSON.stringify({ image_url: "https://example.com/a.jpg" }), { "content-type": "text/plain" }, (await ctx.account("bg-fields", 1000)).token)) },
  { endpoint: "POST /v1/services/bg-remove", input: "JSON body of 70 KB", expect: { status: 413, error: "PAYLOAD_TOO_LARGE" }, send: async (ctx) => wrap(await api(BG, { token: (await ctx.account("bg-fields", 1000)).token, body: oversized({ image_url: fixtureUrl("bg/coffee.jpg") }) })) },
  {
    endpoint: "POST /v1/services/bg-remove",
    input: "Idempotency-Key of 256 characters",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => wrap(await api(BG, { token: (await ctx.account("bg-fields", 1000)).token, headers: { "idempotency-key": "k".repeat(256) }, body: { image_url: fixtureUrl("bg/coffee.jpg") } })),
  },
  {
    endpoint: "POST /v1/services/bg-remove",
    input: "Idempotency-Key with a space",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => wrap(await api(BG, { token: (await ctx.account("bg-fields", 1000)).token, headers: { "idempotency-key": "order 1001" }, body: { image_url: fixtureUrl("bg/coffee.jpg") } })),
  },
  {
    endpoint: "POST /v1/services/bg-remove",
    input: "Idempotency-Key reused for another body",
    expect: { status: 409, error: "CONFLICT" },
    send: async (ctx) => {
      const a = await ctx.account("bg-idempotency", 150);
      const headers = { "idempotency-key": crypto.randomUUID() };
      // The first request names a source that fails at once, so its job ends refunded without the model.
      const first = await api(BG, { token: a.token, headers, body: { image_url: fixtureUrl("404", "status") } });
      if (first.status !== 202) throw new Error(`first request: ${first.status}`);
      return wrap(await api(BG, { token: a.token, headers, body: { image_url: fixtureUrl("404", "status"), subject_type: "logo" } }));
    },
  },
  {
    endpoint: "POST /v1/services/bg-remove",
    input: "a wallet with 0 tokens",
    expect: { status: 402, error: "INSUFFICIENT_TOKENS", details: { balance: 0, shortfall: 150 } },
    send: async (ctx) => wrap(await api(BG, { token: (await ctx.account("bg-empty", 0)).token, body: { image_url: fixtureUrl("bg/coffee.jpg") } })),
  },
  {
    endpoint: "POST /v1/services/bg-remove",
    input: "an upload link whose signature was altered",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => {
      const a = await ctx.account("bg-links", 300);
      const link = await ctx.upload(a, await fixtureBytes("bg/composite-logo.png"), "image/png");
      return wrap(await api(BG, { token: a.token, body: { image_url: alteredSignature(link) } }));
    },
  },
  {
    endpoint: "POST /v1/services/bg-remove",
    input: "an upload link that expired",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => {
      const a = await ctx.account("bg-links", 300);
      const link = await ctx.upload(a, await fixtureBytes("bg/composite-logo.png"), "image/png");
      return wrap(await api(BG, { token: a.token, body: { image_url: await expiredLink(link) } }));
    },
  },
  { endpoint: "POST /v1/services/bg-remove", input: "no bearer token", expect: { status: 401, error: "UNAUTHORIZED" }, send: async () => wrap(await api(BG, { body: { image_url: fixtureUrl("bg/coffee.jpg") } })) },

  // Background removal: sources that must fail the job and refund it
  { endpoint: "POST /v1/services/bg-remove", input: "decompression bomb: PNG declaring 20000×20000", expect: { status: 202, jobFails: /20000×20000 .*BG_REMOVE_MAX_PIXELS/ }, send: (ctx) => failingBgJob(ctx, "job-bomb", () => fixtureUrl("preflight/png-bomb-20000x20000.png")) },
  {
    endpoint: "POST /v1/services/bg-remove",
    input: "zlib bomb: 64×64 PNG whose data inflates to 256 MB (uploaded)",
    expect: { status: 202, jobFails: /could not be decoded/ },
    send: (ctx) => failingBgJob(ctx, "job-zlib-bomb", async (c, a) => c.upload(a, await zlibBombPng(), "image/png")),
  },
  { endpoint: "POST /v1/services/bg-remove", input: "JPEG cut before its scan data (uploaded)", expect: { status: 202, jobFails: /The JPEG is damaged/ }, send: (ctx) => failingBgJob(ctx, "job-cut-jpeg", async (c, a) => c.upload(a, await jpegWithoutScan(), "image/jpeg")) },
  { endpoint: "POST /v1/services/bg-remove", input: "PNG whose IDAT is not zlib data (uploaded)", expect: { status: 202, jobFails: /could not be decoded/ }, send: (ctx) => failingBgJob(ctx, "job-corrupt-png", (c, a) => c.upload(a, corruptPng(), "image/png")) },
  { endpoint: "POST /v1/services/bg-remove", input: "PNG declaring 0×0 (uploaded)", expect: { status: 202, jobFails: /header could not be read/ }, send: (ctx) => failingBgJob(ctx, "job-empty-png", (c, a) => c.upload(a, craftPng(0, 0, new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), "image/png")) },
  { endpoint: "POST /v1/services/bg-remove", input: "a PDF served as image/jpeg (mislabelled)", expect: { status: 202, jobFails: /not a JPEG, PNG or WebP image \(it is PDF\)/ }, send: (ctx) => failingBgJob(ctx, "job-pdf-as-jpeg", () => fixtureUrl("preflight/pdf-cmyk.pdf", "as/image/jpeg")) },
  { endpoint: "POST /v1/services/bg-remove", input: "JSON served as image/png (mislabelled)", expect: { status: 202, jobFails: /not a JPEG, PNG or WebP image\.$/ }, send: (ctx) => failingBgJob(ctx, "job-json-as-png", () => fixtureUrl("preflight/expected.json", "as/image/png")) },
  { endpoint: "POST /v1/services/bg-remove", input: "an encrypted PDF", expect: { status: 202, jobFails: /it is PDF/ }, send: (ctx) => failingBgJob(ctx, "job-encrypted-pdf", () => fixtureUrl("preflight/pdf-encrypted-userpw.pdf")) },
  { endpoint: "POST /v1/services/bg-remove", input: "a truncated (corrupt) PDF", expect: { status: 202, jobFails: /it is PDF/ }, send: (ctx) => failingBgJob(ctx, "job-corrupt-pdf", () => fixtureUrl("preflight/pdf-truncated.pdf")) },
  { endpoint: "POST /v1/services/bg-remove", input: "a source answering HTTP 404", expect: { status: 202, jobFails: /HTTP 404/ }, send: (ctx) => failingBgJob(ctx, "job-404", () => fixtureUrl("404", "status")) },
  {
    endpoint: "POST /v1/services/bg-remove",
    input: "a source redirecting to http://127.0.0.2",
    expect: { status: 202, jobFails: /redirects to an address/ },
    send: (ctx) => failingBgJob(ctx, "job-redirect", () => `${fixtureUrl("", "redirect")}?to=${encodeURIComponent("http://127.0.0.2/photo.png")}`),
  },

  // Background removal: reading jobs
  {
    endpoint: "GET /v1/services/bg-remove/{jobId}",
    input: "another account's job",
    expect: { status: 404, error: "NOT_FOUND" },
    send: async (ctx) => wrap(await get(`${BG}/${(await ctx.foreign()).bgJobId}`, (await ctx.account("readers")).token)),
  },
  { endpoint: "GET /v1/services/bg-remove/{jobId}", input: "..%2F..%2Fetc%2Fpasswd (path traversal)", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get(`${BG}/..%2F..%2Fetc%2Fpasswd`, (await ctx.account("readers")).token)) },
  { endpoint: "GET /v1/services/bg-remove/{jobId}", input: "an id of 200 characters", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get(`${BG}/${"J".repeat(200)}`, (await ctx.account("readers")).token)) },
  { endpoint: "GET /v1/services/bg-remove/{jobId}", input: "an id with an emoji and a quote", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get(`${BG}/${encodeURIComponent("job'🙂")}`, (await ctx.account("readers")).token)) },
  { endpoint: "GET /v1/services/bg-remove/{jobId}", input: "a well-formed id nobody has", expect: { status: 404, error: "NOT_FOUND" }, send: async (ctx) => wrap(await get(`${BG}/AAAAAAAAAAAAAAAAAAAAA`, (await ctx.account("readers")).token)) },
  {
    endpoint: "GET /v1/services/bg-remove/{jobId}",
    input: "the id of an AI fix job (another kind)",
    expect: { status: 404, error: "NOT_FOUND" },
    send: async (ctx) => {
      const { owner, fixJobId } = await ctx.foreign();
      return wrap(await get(`${BG}/${fixJobId}`, owner.token));
    },
  },
  { endpoint: "GET /v1/services/bg-remove/{jobId}", input: "no bearer token", expect: { status: 401, error: "UNAUTHORIZED" }, send: async (ctx) => wrap(await get(`${BG}/${(await ctx.foreign()).bgJobId}`)) },

  // Quick DPI score
  ...(
    [
      ["widthPx 0", { widthPx: 0 }],
      ["heightPx -3000", { heightPx: -3000 }],
      ["widthPx 4000.5", { widthPx: 4000.5 }],
      ['widthPx "4000" (a string)', { widthPx: "4000" }],
      ["widthPx 10,000,000 (over 1,000,000)", { widthPx: 10_000_000 }],
      ["canvasWidthInches 0", { canvasWidthInches: 0 }],
      ["canvasHeightInches -20", { canvasHeightInches: -20 }],
      ["canvasWidthInches 1001", { canvasWidthInches: 1001 }],
      ["canvas 1e-310 × 1e-310 inches (ppi would be infinite)", { canvasWidthInches: 1e-310, canvasHeightInches: 1e-310 }],
      ['productType "mug"', { productType: "mug" }],
      ["productType missing", { productType: undefined }],
    ] as const
  ).map(
    ([input, fields]): Case => ({
      endpoint: "POST /v1/services/preflight/dpi-score",
      input,
      expect: { status: 400, error: "VALIDATION_ERROR" },
      send: async (ctx) => wrap(await api(DPI, { token: (await ctx.account("dpi")).token, body: { ...DPI_BODY, ...fields } })),
    }),
  ),
  { endpoint: "POST /v1/services/preflight/dpi-score", input: "widthPx NaN (not JSON)", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await raw(DPI, JSON.stringify(DPI_BODY).replace("4000", "NaN"), JSON_TYPE, (await ctx.account("dpi")).token)) },
  { endpoint: "POST /v1/services/preflight/dpi-score", input: "widthPx 1e309 (Infinity once parsed)", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await raw(DPI, JSON.stringify(DPI_BODY).replace("4000", "1e309"), JSON_TYPE, (await ctx.account("dpi")).token)) },
  { endpoint: "POST /v1/services/preflight/dpi-score", input: "arrays nested 30,000 deep", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await raw(DPI, "[".repeat(30_000) + "]".repeat(30_000), JSON_TYPE, (await ctx.account("dpi")).token)) },
  { endpoint: "POST /v1/services/preflight/dpi-score", input: "JSON body of 70 KB", expect: { status: 413, error: "PAYLOAD_TOO_LARGE" }, send: async (ctx) => wrap(await api(DPI, { token: (await ctx.account("dpi")).token, body: oversized(DPI_BODY) })) },
  { endpoint: "POST /v1/services/preflight/dpi-score", input: "application/xml body", expect: { status: 415, error: "UNSUPPORTED_MEDIA_TYPE" }, send: async (ctx) => wrap(await raw(DPI, "<dpi widthPx='4000'/>", { "content-type": "application/xml" }, (await ctx.account("dpi")).token)) },

  // Preflight checks: the request
  ...(
    [
      ['designId ""', { designId: "" }],
      ["designId of 201 characters", { designId: "d".repeat(201) }],
      ['fileType "gif"', { fileType: "gif" }],
      ["productProfile.requiredDpi 0", { productProfile: { requiredDpi: 0 } }],
      ["productProfile.bleedMm 51", { productProfile: { bleedMm: 51 } }],
      ['productProfile.requiredColorMode "pantone"', { productProfile: { requiredColorMode: "pantone" } }],
      ["productProfile with an unknown field", { productProfile: { requiredDpi: 300, paper: "matte" } }],
      ["canvasWidthInches without canvasHeightInches", { canvasWidthInches: 20 }],
      ["fileUrl http://127.0.0.2", { fileUrl: "http://127.0.0.2/artwork.pdf" }],
      ["fileUrl http://[0:0:0:0:0:0:0:1]", { fileUrl: "http://[0:0:0:0:0:0:0:1]/artwork.pdf" }],
    ] as const
  ).map(
    ([input, fields]): Case => ({
      endpoint: "POST /v1/services/preflight/checks",
      input,
      expect: { status: 400, error: "VALIDATION_ERROR" },
      send: async (ctx) => wrap(await api(CHECKS, { token: (await ctx.account("checks-body")).token, body: { designId: "bad-input", fileUrl: fixtureUrl("preflight/png-gray.png"), ...fields } })),
    }),
  ),
  {
    endpoint: "POST /v1/services/preflight/checks",
    input: "fileUrl redirecting to http://127.0.0.2",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => wrap(await api(CHECKS, { token: (await ctx.account("checks-body")).token, body: { designId: "bad-input", fileUrl: `${fixtureUrl("", "redirect")}?to=${encodeURIComponent("http://127.0.0.2/a.pdf")}` } })),
  },
  {
    endpoint: "POST /v1/services/preflight/checks",
    input: "an upload link whose signature was altered",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => {
      const a = await ctx.account("checks-links");
      const link = await ctx.upload(a, await fixtureBytes("preflight/png-gray.png"), "image/png");
      return wrap(await api(CHECKS, { token: a.token, body: { designId: "bad-input", fileUrl: alteredSignature(link) } }));
    },
  },
  {
    endpoint: "POST /v1/services/preflight/checks",
    input: "an upload link that expired",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => {
      const a = await ctx.account("checks-links");
      const link = await ctx.upload(a, await fixtureBytes("preflight/png-gray.png"), "image/png");
      return wrap(await api(CHECKS, { token: a.token, body: { designId: "bad-input", fileUrl: await expiredLink(link) } }));
    },
  },
  ...(
    [
      ["a WebP (not a print file type)", () => fixtureUrl("bg/coffee.webp"), 422, "UNPROCESSABLE_INPUT"],
      ["a Markdown file", () => fixtureUrl("preflight/README.md"), 422, "UNPROCESSABLE_INPUT"],
      ["a source answering HTTP 404", () => fixtureUrl("404", "status"), 422, "UNPROCESSABLE_INPUT"],
      ["a source answering HTTP 500", () => fixtureUrl("500", "status"), 422, "UNPROCESSABLE_INPUT"],
      // Staged in R2 up to the limit: 8 MiB here, so the default 100 MiB does not race the fetch deadline.
      ["a body that never ends (MAX_SOURCE_BYTES 8 MiB)", () => fixtureUrl("", "endless"), 413, "PAYLOAD_TOO_LARGE", { MAX_SOURCE_BYTES: String(8 * 1024 * 1024) }],
    ] as const
  ).map(
    ([input, url, status, error, settings]: readonly [string, () => string, number, string, Partial<Env>?]): Case => ({
      endpoint: "POST /v1/services/preflight/checks",
      input,
      expect: { status, error },
      send: async (ctx) => wrap(await (settings ? apiWith(settings) : api)(CHECKS, { token: (await ctx.account("checks-sources")).token, body: { designId: "bad-input", fileUrl: url() } })),
    }),
  ),

  // Preflight checks of broken files: docs/preflight.md promises a stored report that fails, not an error
  ...(
    [
      ["an encrypted PDF", () => fixtureUrl("preflight/pdf-encrypted-userpw.pdf"), "failed", ["PDF_ENCRYPTED"]],
      ["a truncated (corrupt) PDF", () => fixtureUrl("preflight/pdf-truncated.pdf"), "failed", ["PDF_DAMAGED"]],
      ["a truncated JPEG", () => fixtureUrl("preflight/jpeg-truncated.jpg"), "failed", ["RASTER_DAMAGED"]],
      ["a PNG sent with fileType jpeg (mislabelled)", () => fixtureUrl("preflight/misnamed-png-as.jpg"), "failed", ["FILE_TYPE_MISMATCH"]],
      // Checked from its header alone, never a decoder run; its pixels went unchecked, so it fails.
      ["decompression bomb: PNG declaring 20000×20000", () => fixtureUrl("preflight/png-bomb-20000x20000.png"), "failed", ["RASTER_TOO_LARGE"]],
    ] as const
  ).map(
    ([input, url, status, codes]): Case => ({
      endpoint: "POST /v1/services/preflight/checks",
      input,
      expect: { status: 201, report: { status, codes: [...codes] } },
      send: async (ctx) => wrap(await api(CHECKS, { token: (await ctx.account("checks-files")).token, body: { designId: "bad-input", fileUrl: url(), fileType: input.includes("fileType jpeg") ? "jpeg" : undefined } })),
    }),
  ),
  {
    endpoint: "POST /v1/services/preflight/checks",
    input: "zlib bomb: 64×64 PNG whose data inflates to 256 MB (uploaded)",
    expect: { status: 201, report: { status: "failed", codes: ["RASTER_DAMAGED"] } },
    send: async (ctx) => {
      const a = await ctx.account("checks-files");
      const link = await ctx.upload(a, await zlibBombPng(), "image/png");
      const started = Date.now();
      const res = await api(CHECKS, { token: a.token, body: { designId: "bad-input", fileUrl: link } });
      return { res, after: async () => `answered in ${Date.now() - started} ms` };
    },
  },
  {
    endpoint: "POST /v1/services/preflight/checks",
    input: "PNG whose IDAT is not zlib data (uploaded)",
    expect: { status: 201, report: { status: "failed", codes: ["RASTER_DAMAGED"] } },
    send: async (ctx) => {
      const a = await ctx.account("checks-files");
      return wrap(await api(CHECKS, { token: a.token, body: { designId: "bad-input", fileUrl: await ctx.upload(a, corruptPng(), "image/png") } }));
    },
  },

  // Preflight reports: list, read, delete
  { endpoint: "GET /v1/services/preflight/checks", input: "limit=0", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get(`${CHECKS}?limit=0`, (await ctx.account("reports")).token)) },
  { endpoint: "GET /v1/services/preflight/checks", input: "limit=1000", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get(`${CHECKS}?limit=1000`, (await ctx.account("reports")).token)) },
  { endpoint: "GET /v1/services/preflight/checks", input: "cursor that is not base64url", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get(`${CHECKS}?cursor=%25%25%25`, (await ctx.account("reports")).token)) },
  {
    endpoint: "GET /v1/services/preflight/checks",
    input: "cursor of valid base64url holding [1,2]",
    expect: { status: 400, error: "VALIDATION_ERROR" },
    send: async (ctx) => wrap(await get(`${CHECKS}?cursor=${btoa("[1,2]").replace(/=+$/, "")}`, (await ctx.account("reports")).token)),
  },
  { endpoint: "GET /v1/services/preflight/checks", input: "cursor of 201 characters", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get(`${CHECKS}?cursor=${"A".repeat(201)}`, (await ctx.account("reports")).token)) },
  { endpoint: "GET /v1/services/preflight/checks/{reportId}", input: "another account's report", expect: { status: 404, error: "NOT_FOUND" }, send: async (ctx) => wrap(await get(`${CHECKS}/${(await ctx.foreign()).reportId}`, (await ctx.account("reports")).token)) },
  { endpoint: "GET /v1/services/preflight/checks/{reportId}", input: "..%2F..%2Fpreflight (path traversal)", expect: { status: 404, error: "NOT_FOUND" }, send: async (ctx) => wrap(await get(`${CHECKS}/..%2F..%2Fpreflight`, (await ctx.account("reports")).token)) },
  { endpoint: "GET /v1/services/preflight/checks/{reportId}", input: "an id of 65 characters", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await get(`${CHECKS}/${"r".repeat(65)}`, (await ctx.account("reports")).token)) },
  {
    endpoint: "DELETE /v1/services/preflight/checks/{reportId}",
    input: "another account's report",
    expect: { status: 404, error: "NOT_FOUND" },
    send: async (ctx) => {
      const { owner, reportId } = await ctx.foreign();
      const res = await api(`${CHECKS}/${reportId}`, { method: "DELETE", token: (await ctx.account("reports")).token });
      return {
        res,
        after: async () => {
          const kept = await get(`${CHECKS}/${reportId}`, owner.token);
          if (kept.status !== 200) throw new Error(`the owner lost the report: ${kept.status}`);
          return "the owner still has it";
        },
      };
    },
  },
  {
    endpoint: "DELETE /v1/services/preflight/checks/{reportId}",
    input: "a report deleted a moment before",
    expect: { status: 404, error: "NOT_FOUND" },
    send: async (ctx) => {
      const a = await ctx.account("reports");
      const report = await ctx.report(a, { fileUrl: fixtureUrl("preflight/png-gray.png") });
      const first = await api(`${CHECKS}/${report.reportId}`, { method: "DELETE", token: a.token });
      if (first.status !== 200) throw new Error(`first delete: ${first.status}`);
      return wrap(await api(`${CHECKS}/${report.reportId}`, { method: "DELETE", token: a.token }));
    },
  },

  // AI fix jobs: creating
  {
    endpoint: "POST /v1/services/preflight/ai-jobs",
    input: "another account's report",
    expect: { status: 404, error: "NOT_FOUND" },
    send: async (ctx) => wrap(await api(JOBS, { token: (await ctx.account("fix-refused", 1000)).token, body: { preflightReportId: (await ctx.foreign()).reportId, options: { fixTypes: ["upscale_resolution_2x"] } } })),
  },
  ...(
    [
      ["both upscales at once", "preflight/png-gray.png", ["upscale_resolution_2x", "upscale_resolution_4x"], /not both/, undefined],
      ["upscale_resolution_2x on a PDF", "preflight/pdf-rgb-nobleed-4x6.pdf", ["upscale_resolution_2x"], /PDF auto-fix currently supports add_bleed only/, undefined],
      ["a report with nothing to fix", "preflight/pdf-bleed-3mm.pdf", undefined, /nothing to fix/, { requiredDpi: 72, bleedMm: 3 }],
      ["the report of an encrypted PDF", "preflight/pdf-encrypted-userpw.pdf", ["add_bleed"], /encrypted/, undefined],
      ["the report of a decompression bomb (20000×20000)", "preflight/png-bomb-20000x20000.png", ["upscale_resolution_2x"], /MAX_SOURCE_PIXELS/, undefined],
      ["the report of a truncated JPEG", "preflight/jpeg-truncated.jpg", ["sharpen_edges"], /damaged/, undefined],
    ] as const
  ).map(
    ([input, file, fixTypes, message, productProfile]): Case => ({
      endpoint: "POST /v1/services/preflight/ai-jobs",
      input,
      expect: { status: 422, error: "UNPROCESSABLE_INPUT" },
      send: async (ctx) => {
        const a = await ctx.account("fix-refused", 1000);
        const report = await ctx.report(a, { fileUrl: fixtureUrl(file), ...(productProfile ? { productProfile } : {}) });
        const res = await api(JOBS, { token: a.token, body: { preflightReportId: report.reportId, ...(fixTypes ? { options: { fixTypes } } : {}) } });
        return {
          res,
          after: async () => {
            if (!message.test(res.body?.message ?? "")) throw new Error(`message ${JSON.stringify(res.body?.message)} does not match ${message}`);
          },
        };
      },
    }),
  ),
  ...(
    [
      ['fixTypes ["colorize"] (unknown)', { fixTypes: ["colorize"] }],
      ["fixTypes []", { fixTypes: [] }],
      ["targetDpi 0", { targetDpi: 0 }],
      ["targetDpi 2401", { targetDpi: 2401 }],
      ["options with an unknown field", { fixTypes: ["add_bleed"], priority: "rush" }],
    ] as const
  ).map(
    ([input, options]): Case => ({
      endpoint: "POST /v1/services/preflight/ai-jobs",
      input,
      expect: { status: 400, error: "VALIDATION_ERROR" },
      send: async (ctx) => wrap(await api(JOBS, { token: (await ctx.account("fix-body", 1000)).token, body: { preflightReportId: "report_AAAAAAAAAAAAAAAAAAAAA", options } })),
    }),
  ),
  { endpoint: "POST /v1/services/preflight/ai-jobs", input: "preflightReportId missing", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await api(JOBS, { token: (await ctx.account("fix-body", 1000)).token, body: { options: { fixTypes: ["add_bleed"] } } })) },
  { endpoint: "POST /v1/services/preflight/ai-jobs", input: "preflightReportId of 65 characters", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await api(JOBS, { token: (await ctx.account("fix-body", 1000)).token, body: { preflightReportId: "r".repeat(65) } })) },
  { endpoint: "POST /v1/services/preflight/ai-jobs", input: "text/plain body", expect: { status: 415, error: "UNSUPPORTED_MEDIA_TYPE" }, send: async (ctx) => wrap(await raw(JOBS, '{"preflightReportId":"report_x"}', { "content-type": "text/plain" }, (await ctx.account("fix-body", 1000)).token)) },
  { endpoint: "POST /v1/services/preflight/ai-jobs", input: "JSON body of 70 KB", expect: { status: 413, error: "PAYLOAD_TOO_LARGE" }, send: async (ctx) => wrap(await api(JOBS, { token: (await ctx.account("fix-body", 1000)).token, body: oversized({ preflightReportId: "report_x" }) })) },

  // AI fix jobs: reading and deciding
  { endpoint: "GET /v1/services/preflight/ai-jobs/{jobId}", input: "another account's job", expect: { status: 404, error: "NOT_FOUND" }, send: async (ctx) => wrap(await get(`${JOBS}/${(await ctx.foreign()).fixJobId}`, (await ctx.account("fix-readers")).token)) },
  {
    endpoint: "GET /v1/services/preflight/ai-jobs/{jobId}",
    input: "the id of a background-removal job (another kind)",
    expect: { status: 404, error: "NOT_FOUND" },
    send: async (ctx) => {
      const { owner, bgJobId } = await ctx.foreign();
      return wrap(await get(`${JOBS}/${bgJobId}`, owner.token));
    },
  },
  { endpoint: "GET /v1/services/preflight/ai-jobs/{jobId}", input: "..%2F..%2Fjobs (path traversal)", expect: { status: 404, error: "NOT_FOUND" }, send: async (ctx) => wrap(await get(`${JOBS}/..%2F..%2Fjobs`, (await ctx.account("fix-readers")).token)) },
  { endpoint: "POST /v1/services/preflight/ai-jobs/{jobId}/approve", input: "another account's job", expect: { status: 404, error: "NOT_FOUND" }, send: async (ctx) => wrap(await api(`${JOBS}/${(await ctx.foreign()).fixJobId}/approve`, { method: "POST", token: (await ctx.account("fix-readers")).token })) },
  { endpoint: "POST /v1/services/preflight/ai-jobs/{jobId}/reject", input: "another account's job", expect: { status: 404, error: "NOT_FOUND" }, send: async (ctx) => wrap(await api(`${JOBS}/${(await ctx.foreign()).fixJobId}/reject`, { method: "POST", token: (await ctx.account("fix-readers")).token })) },
  { endpoint: "POST /v1/services/preflight/ai-jobs/{jobId}/approve", input: "an id of 65 characters", expect: { status: 400, error: "VALIDATION_ERROR" }, send: async (ctx) => wrap(await api(`${JOBS}/${"j".repeat(65)}/approve`, { method: "POST", token: (await ctx.account("fix-readers")).token })) },
  ...(["approve", "reject"] as const).map(
    (decision): Case => ({
      endpoint: `POST /v1/services/preflight/ai-jobs/{jobId}/${decision}`,
      input: "the caller's own job while it is still running",
      expect: { status: 409, error: "CONFLICT" },
      send: async (ctx) => {
        const a = await ctx.account(`fix-${decision}-running`, 100);
        const report = await ctx.report(a, { fileUrl: fixtureUrl("preflight/png-gray.png") });
        const created = await api(JOBS, { token: a.token, body: { preflightReportId: report.reportId, options: { fixTypes: ["upscale_resolution_2x"] } } });
        if (created.status !== 202) throw new Error(`fix job: ${created.status} ${JSON.stringify(created.body)}`);
        return wrap(await api(`${JOBS}/${created.body.data.jobId}/${decision}`, { method: "POST", token: a.token }));
      },
    }),
  ),

  // Storefront widgets: minting, origins, and widget tokens where they do not belong
  ...(
    [
      ["services []", { services: [] }],
      ['services ["upscale"] (unknown)', { services: ["upscale"] }],
      ["a repeated service", { services: ["dpi-score", "dpi-score"] }],
      ["an origin the account does not allow", { origin: "https://elsewhere.example" }],
      ["an origin with a path", { originSuffix: "/shop" }],
      ['origin "*" for bg-remove', { services: ["bg-remove"], origin: "*" }],
      ["ttlSeconds 59", { ttlSeconds: 59 }],
      ["ttlSeconds 3601", { ttlSeconds: 3601 }],
      ['ttlSeconds "900" (a string)', { ttlSeconds: "900" }],
      ["capTokens -1", { capTokens: -1 }],
      ["shopperRef with non-ASCII text", { shopperRef: "café-42" }],
    ] as const
  ).map(
    ([input, fields]): Case => ({
      endpoint: "POST /v1/account/widget-tokens",
      input,
      expect: { status: 400, error: "VALIDATION_ERROR" },
      send: async (ctx) => {
        const { shop, origin } = await ctx.widgets();
        const { originSuffix, ...rest } = fields as Record<string, unknown> & { originSuffix?: string };
        return wrap(await api(MINT, { token: shop.token, body: { services: ["dpi-score"], origin: `${origin}${originSuffix ?? ""}`, ...rest } }));
      },
    }),
  ),
  ...(
    [
      ["a wildcard subdomain", ["https://*.shop.example"]],
      ["an origin with a trailing slash", ["https://shop.example/"]],
      ["a javascript: origin", ["javascript:alert(1)"]],
      ["51 origins (over 50)", Array.from({ length: 51 }, (_, i) => `https://shop${i}.example`)],
    ] as const
  ).map(
    ([input, origins]): Case => ({
      endpoint: "PUT /v1/account/allowed-origins",
      input,
      expect: { status: 400, error: "VALIDATION_ERROR" },
      send: async (ctx) => wrap(await api(ORIGINS, { method: "PUT", token: (await ctx.account("origins")).token, body: { origins } })),
    }),
  ),
  ...(
    [
      ["GET /v1/wallet", "GET", "/v1/wallet"],
      ["GET /v1/account", "GET", "/v1/account"],
      ["DELETE /v1/account", "DELETE", "/v1/account"],
      ["POST /v1/account/widget-tokens", "POST", MINT],
      ["GET /v1/services/preflight/checks", "GET", CHECKS],
    ] as const
  ).map(
    ([endpoint, method, path]): Case => ({
      endpoint,
      input: "a widget token (account endpoint)",
      expect: { status: 403, error: "FORBIDDEN" },
      send: async (ctx) => {
        const { bgOnly, origin } = await ctx.widgets();
        return wrap(await api(path, { method, token: bgOnly, headers: { origin }, ...(method === "POST" ? { body: { services: ["bg-remove"], origin } } : {}) }));
      },
    }),
  ),
  {
    endpoint: "POST /v1/services/bg-remove",
    input: "a widget token scoped to dpi-score only",
    expect: { status: 403, error: "FORBIDDEN" },
    send: async (ctx) => {
      const { dpiOnly, origin } = await ctx.widgets();
      return wrap(await api(BG, { token: dpiOnly, headers: { origin }, body: { image_url: fixtureUrl("bg/coffee.jpg") } }));
    },
  },
  {
    endpoint: "POST /v1/services/uploads",
    input: "a widget token scoped to dpi-score only",
    expect: { status: 403, error: "FORBIDDEN" },
    send: async (ctx) => {
      const { dpiOnly, origin } = await ctx.widgets();
      return wrap(await raw(UPLOADS, await fixtureBytes("preflight/png-gray.png"), { "content-type": "image/png", origin }, dpiOnly));
    },
  },
  {
    endpoint: "POST /v1/services/bg-remove",
    input: "a widget token sent from another page's Origin",
    expect: { status: 403, error: "FORBIDDEN" },
    send: async (ctx) => {
      const { bgOnly } = await ctx.widgets();
      return wrap(await api(BG, { token: bgOnly, headers: { origin: "https://attacker.example" }, body: { image_url: fixtureUrl("bg/coffee.jpg") } }));
    },
  },
  {
    endpoint: "POST /v1/services/preflight/dpi-score",
    input: "widget token signed with the account key instead of the widget key (forged)",
    expect: { status: 401, error: "UNAUTHORIZED" },
    send: async (ctx) => {
      const { shop, origin, bgOnlyId } = await ctx.widgets();
      const forged = await craftToken({ alg: "HS256", typ: "widget+jwt" }, { sub: bgOnlyId, acc: shop.id, aud: "printcart-widget", iat: now(), exp: now() + 600 }, { secret: TEST_JWT_SECRET });
      return wrap(await api(DPI, { token: forged, headers: { origin }, body: DPI_BODY }));
    },
  },
  {
    endpoint: "POST /v1/services/preflight/dpi-score",
    input: "widget token expired a minute ago, signature valid",
    expect: { status: 401, error: "UNAUTHORIZED" },
    send: async (ctx) => {
      const { shop, origin, bgOnlyId } = await ctx.widgets();
      const expired = await signWidgetToken({ sub: bgOnlyId, acc: shop.id, iat: now() - 960, exp: now() - 60 }, TEST_JWT_SECRET);
      return wrap(await api(DPI, { token: expired, headers: { origin }, body: DPI_BODY }));
    },
  },
  {
    endpoint: "POST /v1/services/preflight/dpi-score",
    input: "a revoked widget token",
    expect: { status: 401, error: "UNAUTHORIZED" },
    send: async (ctx) => {
      const { shop, origin } = await ctx.widgets();
      const minted = await api(MINT, { token: shop.token, body: { services: ["dpi-score"], origin } });
      const revoked = await api(`${MINT}/${minted.body.data.tokenId}`, { method: "DELETE", token: shop.token });
      if (revoked.status !== 200) throw new Error(`revoke: ${revoked.status}`);
      return wrap(await api(DPI, { token: minted.body.data.token, headers: { origin }, body: DPI_BODY }));
    },
  },
  {
    endpoint: "GET /v1/account/widget-tokens/{tokenId}",
    input: "another account's widget token",
    expect: { status: 404, error: "NOT_FOUND" },
    send: async (ctx) => wrap(await get(`${MINT}/${(await ctx.foreign()).widgetTokenId}`, (await ctx.widgets()).shop.token)),
  },

  // Signed file links
  ...(
    [
      ["signature altered", (link: string) => alteredSignature(link)],
      ["expiry moved a day later, old signature", (link: string) => withParam(link, "expires", String(Number(new URL(link).searchParams.get("expires")) + 86_400))],
      ["no signature", (link: string) => withParam(link, "signature", "")],
      ["key changed to another upload, same signature", (link: string) => link.replace(/\/([A-Za-z0-9_-]{21})\?/, "/AAAAAAAAAAAAAAAAAAAAA?")],
      ["..%2F in the key (path traversal)", (link: string) => link.replace("/v1/files/uploads/", "/v1/files/uploads/..%2F..%2Fmodels%2F")],
    ] as const
  ).map(
    ([input, change]): Case => ({
      endpoint: "GET /v1/files/...",
      input,
      expect: { status: 403, error: "FORBIDDEN" },
      send: async (ctx) => wrap(await get(pathOf(change((await ctx.foreign()).uploadUrl)))),
    }),
  ),
  {
    endpoint: "GET /v1/files/...",
    input: "a correctly signed link that expired",
    expect: { status: 403, error: "FORBIDDEN" },
    send: async (ctx) => wrap(await get(pathOf(await expiredLink((await ctx.foreign()).uploadUrl)))),
  },

  // Anything else
  { endpoint: "GET /v1/nothing-here", input: "an unknown route", expect: { status: 404, error: "NOT_FOUND" }, send: async () => wrap(await get("/v1/nothing-here")) },
  {
    endpoint: "GET /v1/files/...",
    input: "a path outside the signed-link form",
    expect: { status: 403, error: "FORBIDDEN" },
    send: async () => {
      const res = await workerFetch("/v1/files/%E0%A4%A?expires=1&signature=x");
      const body = await res.text();
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // left as text: the generic checks then fail on it
      }
      return wrap({ status: res.status, body: parsed, headers: res.headers });
    },
  },
];
