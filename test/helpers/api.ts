import { createExecutionContext, env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import workerEntry from "../../src/index";
import type { Env } from "../../src/platform/env";

/** The Worker's real fetch handler (same code path as HTTP, in-process). */
const worker = () => (exports as unknown as { default: Fetcher }).default;

export function workerFetch(path: string, init?: RequestInit): Promise<Response> {
  return worker().fetch(new Request(`http://api.test${path}`, init));
}

export type ApiInit = { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: BodyInit };
export type ApiCaller = (path: string, init?: ApiInit) => Promise<{ status: number; body: any; headers: Headers }>;

/**
 * A caller that builds the request (bearer token, JSON body), sends it with
 * `send` (which reads the whole answer) and parses a JSON answer.
 */
export function apiCaller(send: (request: Request) => Promise<{ response: Response; text: string }>): ApiCaller {
  return async (path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: BodyInit | undefined = init.rawBody;
    // An HTTP client states the length of a body it holds; a stream goes without (chunked).
    if (body instanceof Uint8Array || body instanceof ArrayBuffer) headers["content-length"] ??= String(body.byteLength);
    if (init.body !== undefined) {
      headers["content-type"] ??= "application/json";
      body = JSON.stringify(init.body);
    }
    const { response, text } = await send(new Request(`http://api.test${path}`, { method: init.method ?? (body ? "POST" : "GET"), headers, body }));
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: tests assert on the raw text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

/** Calls the Worker and parses a JSON answer. */
export const api: ApiCaller = apiCaller(async (request) => {
  const response = await worker().fetch(request);
  return { response, text: await response.text() };
});

/** The Worker's fetch handler with settings of the test's own (tight limits), parsing a JSON answer. */
export function apiWith(settings: Partial<Env>): ApiCaller {
  return apiCaller(async (request) => {
    const response = await workerEntry.fetch(request, { ...env, ...settings }, createExecutionContext());
    return { response, text: await response.text() };
  });
}

let counter = 0;
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export const PASSWORD = "Str0ng-pass!";
export const ADMIN_KEY = "test-admin-key";

export async function signUp(prefix?: string): Promise<{ token: string; id: string; email: string }> {
  const email = uniqueEmail(prefix);
  const res = await api("/v1/account", { body: { email, password: PASSWORD, name: "Test Shop" } });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.access_token, id: res.body.data.id, email };
}

export async function grant(accountId: string, tokens: number, idempotencyKey = crypto.randomUUID()) {
  return api("/v1/admin/wallet-grants", {
    headers: { "x-admin-key": ADMIN_KEY },
    body: { accountId, tokens, reason: "test top-up", idempotencyKey },
  });
}

/** Uploads bytes as a file of the account's (asserting the 201) and returns its signed URL, to send as a job's source. */
export async function uploadFile(token: string, bytes: Uint8Array, type = "image/png"): Promise<string> {
  const res = await api("/v1/services/uploads", { token, rawBody: bytes, headers: { "content-type": type } });
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.fileUrl;
}
