// The OpenAPI document against the app that serves it: every /v1 route the
// Hono app has is an operation of the document (and nothing else is), and
// each operation lists the statuses its middleware and parameters can answer,
// each error with the JSON error body. Probes against the Worker show that
// those statuses are what a caller really gets. Shops generate their client
// from this document (test/e2e/typed-client.test.ts), so a missing response
// or body there is a wrong type in their code.
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { ADMIN_KEY, api, signUp } from "./helpers/api";

interface Schema {
  $ref?: string;
  properties?: Record<string, Schema & { default?: unknown }>;
}
interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** /v1 routes that are deliberately not operations of the document, and why. */
const NOT_OPERATIONS: Record<string, string> = {
  "GET /v1/files/*": "signed file links: the API hands out whole URLs (output_url, correctedFileUrl, fileUrl) that a client fetches as they are",
};

/** POSTs that take no body: actions on the resource their path names. */
const BODILESS_POSTS = new Set([
  "POST /v1/services/preflight/ai-jobs/{jobId}/approve",
  "POST /v1/services/preflight/ai-jobs/{jobId}/reject",
  "POST /v1/webhooks/{id}/rotate-secret",
  "POST /v1/webhooks/{id}/test",
  "POST /v1/webhooks/{id}/deliveries/{deliveryId}/retry",
]);

let doc: Doc;
const operations: { name: string; method: string; path: string; op: Operation }[] = [];

beforeAll(async () => {
  doc = (await api("/v1/openapi.json")).body as Doc;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) operations.push({ name: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op });
  }
});

/** Every method and path the Hono app routes under /v1, in the document's notation. */
function servedRoutes(): string[] {
  const names = new Set<string>();
  for (const route of createApp().routes) {
    // "ALL" entries are middleware (app.use); the dashboard and the widget script are pages, not API.
    if (route.method === "ALL" || !route.path.startsWith("/v1/")) continue;
    names.add(`${route.method} ${route.path.replace(/:([^/]+)/g, "{$1}")}`);
  }
  return [...names].sort();
}

const has = (op: Operation, scheme: string) => op.security?.some((s) => scheme in s) ?? false;
const params = (op: Operation, where: string) => (op.parameters ?? []).filter((p) => p.in === where);
const takesJson = (op: Operation) => op.requestBody?.content["application/json"] !== undefined;

/** The statuses an operation can answer whatever its handler does, from its auth, body and parameters. */
function expectedErrors(op: Operation): number[] {
  const statuses = new Set<number>();
  if (has(op, "bearerAuth")) [401, 403, 429].forEach((s) => statuses.add(s));
  if (has(op, "adminKey")) [401, 403].forEach((s) => statuses.add(s));
  if (takesJson(op)) [400, 413, 415].forEach((s) => statuses.add(s));
  if (params(op, "query").length > 0) statuses.add(400);
  if (params(op, "path").length > 0) {
    statuses.add(400);
    if (has(op, "bearerAuth")) statuses.add(404);
  }
  if (params(op, "header").some((p) => p.name === "Idempotency-Key")) [400, 402, 409, 503].forEach((s) => statuses.add(s));
  return [...statuses].sort();
}

/** A concrete path: every parameter replaced by `value`. */
const concrete = (path: string, value: string) => path.replace(/\{[^}]+\}/g, value);

describe("the OpenAPI document and the app", () => {
  it("has an operation for every /v1 route the app serves, and none it does not serve", () => {
    const served = servedRoutes().filter((name) => !(name in NOT_OPERATIONS));
    const documented = operations.map((o) => o.name).sort();
    expect(documented).toEqual(served);
    // The walk found the app's routes, not an empty list.
    expect(served).toEqual(expect.arrayContaining(["POST /v1/services/bg-remove", "GET /v1/webhooks/{id}/deliveries", "GET /v1/openapi.json"]));
  });

  it("documents on each operation the statuses its auth, body and parameters can answer", () => {
    for (const { name, op } of operations) {
      const documented = Object.keys(op.responses).map(Number);
      expect(documented, name).toEqual(expect.arrayContaining(expectedErrors(op)));
      expect(documented.some((s) => s >= 200 && s < 300), `${name}: a success response`).toBe(true);
    }
  });

  it("gives every success a body schema and every error the JSON error body", () => {
    for (const { name, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        const code = Number(status);
        if (code === 204) {
          expect(response.content, `${name} ${status}`).toBeUndefined();
          continue;
        }
        const json = response.content?.["application/json"]?.schema;
        expect(json, `${name} ${status}: application/json schema`).toBeDefined();
        if (code >= 400) {
          const wanted = code === 402 ? "#/components/schemas/InsufficientTokens" : "#/components/schemas/Error";
          expect(json!.$ref, `${name} ${status}`).toBe(wanted);
        }
      }
    }
  });

  it("declares the body of every PUT, PATCH and POST that reads one, uploads and model files included", () => {
    for (const { name, method, op } of operations) {
      if (method === "GET" || method === "DELETE" || BODILESS_POSTS.has(name)) {
        expect(op.requestBody, name).toBeUndefined();
        continue;
      }
      expect(Object.keys(op.requestBody?.content ?? {}), name).not.toHaveLength(0);
    }
    const upload = doc.paths["/v1/services/uploads"]!.post!.requestBody!.content;
    expect(Object.keys(upload)).toEqual(expect.arrayContaining(["image/jpeg", "application/pdf", "multipart/form-data"]));
  });

  it("keeps defaulted request fields out of named schemas, where generated types would require them", () => {
    for (const { name, op } of operations) {
      const ref = op.requestBody?.content["application/json"]?.schema?.$ref;
      if (!ref) continue;
      const schema = doc.components.schemas[ref.replace("#/components/schemas/", "")]!;
      for (const [field, property] of Object.entries(schema.properties ?? {})) {
        expect(property.default, `${name}: ${ref} ${field} has a default`).toBeUndefined();
      }
    }
  });
});

describe("the documented errors are what the Worker answers", () => {
  const isErrorBody = (body: unknown, code: string) =>
    expect(body).toMatchObject({ error: code, message: expect.any(String), requestId: expect.any(String) });

  it("401 without a token, 403 with a wrong admin key, on every operation that needs one", async () => {
    for (const { name, method, path, op } of operations) {
      const body = takesJson(op) ? {} : undefined;
      if (has(op, "bearerAuth")) {
        const res = await api(concrete(path, "x1"), { method, body });
        expect(res.status, name).toBe(401);
        isErrorBody(res.body, "UNAUTHORIZED");
      }
      if (has(op, "adminKey")) {
        const res = await api(concrete(path, "x1"), { method, body, headers: { "x-admin-key": "not-the-key" } });
        expect(res.status, name).toBe(403);
        isErrorBody(res.body, "FORBIDDEN");
      }
    }
  });

  it("415 for a body that is not JSON, 413 for one over 64 KiB, 400 for malformed JSON, on every JSON operation", async () => {
    const { token } = await signUp("openapi-json");
    for (const { name, method, path, op } of operations.filter((o) => takesJson(o.op))) {
      const url = concrete(path, "x1");
      const notJson = await api(url, { method, rawBody: "x", headers: { "content-type": "text/plain" } });
      expect(notJson.status, name).toBe(415);
      isErrorBody(notJson.body, "UNSUPPORTED_MEDIA_TYPE");
      const large = await api(url, { method, body: { padding: "x".repeat(70_000) } });
      expect(large.status, name).toBe(413);
      isErrorBody(large.body, "PAYLOAD_TOO_LARGE");
      const auth: Record<string, string> = has(op, "adminKey") ? { "x-admin-key": ADMIN_KEY } : has(op, "bearerAuth") ? { authorization: `Bearer ${token}` } : {};
      const malformed = await api(url, { method, rawBody: "{", headers: { ...auth, "content-type": "application/json" } });
      expect(malformed.status, name).toBe(400);
      isErrorBody(malformed.body, "VALIDATION_ERROR");
    }
  });

  it("400 for a malformed id and 404 for an unknown one, on every operation with an id in its path", async () => {
    const { token } = await signUp("openapi-ids");
    for (const { name, method, path, op } of operations.filter((o) => params(o.op, "path").length > 0 && has(o.op, "bearerAuth"))) {
      const malformed = await api(concrete(path, "x".repeat(65)), { method, token, body: takesJson(op) ? {} : undefined });
      expect(malformed.status, name).toBe(400);
      isErrorBody(malformed.body, "VALIDATION_ERROR");
      // A body would be validated before the id is looked up; the operations with one are covered above.
      if (takesJson(op)) continue;
      const unknown = await api(concrete(path, "unknown_1"), { method, token });
      expect(unknown.status, name).toBe(404);
      isErrorBody(unknown.body, "NOT_FOUND");
    }
  });
});
