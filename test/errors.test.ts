import { describe, expect, it } from "vitest";
import { api, signUp } from "./helpers/api";

describe("error responses", () => {
  it("404 JSON for unknown routes", async () => {
    const res = await api("/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(res.body).toMatchObject({ error: "NOT_FOUND" });
    expect(res.body.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("400 VALIDATION_ERROR for malformed JSON", async () => {
    const res = await api("/v1/account", { rawBody: '{"email": "a@b.c",', headers: { "content-type": "application/json" }, method: "POST" });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
    expect(res.body.issues).toHaveLength(1);
  });

  it("400 for a JSON body that is not an object", async () => {
    for (const raw of ["[]", '"text"', "42", "null"]) {
      const res = await api("/v1/account", { rawBody: raw, headers: { "content-type": "application/json" }, method: "POST" });
      expect(res.status, raw).toBe(400);
      expect(res.body.error).toBe("VALIDATION_ERROR");
    }
  });

  it("415 for a body that is not JSON", async () => {
    const res = await api("/v1/account", { rawBody: "email=a@b.c", headers: { "content-type": "application/x-www-form-urlencoded" }, method: "POST" });
    expect(res.status).toBe(415);
    expect(res.body.error).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("413 for an oversized JSON body", async () => {
    const res = await api("/v1/account", { body: { email: "a@example.com", password: "x".repeat(70_000) } });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe("PAYLOAD_TOO_LARGE");
  });

  it("400 for wrong types with one issue per field", async () => {
    const res = await api("/v1/account", { body: { email: 12, password: ["x"], name: { a: 1 } } });
    expect(res.status).toBe(400);
    expect([...new Set(res.body.issues.map((i: { path: string }) => i.path))].sort()).toEqual(["email", "name", "password"]);
  });

  it("never sends HTML or a stack", async () => {
    const { token } = await signUp();
    for (const [path, method] of [["/", "GET"], ["/v1/account", "PUT"], ["/v1/wallet/../account", "GET"], ["/v1/wallet", "POST"]] as const) {
      const res = await api(path, { method, token });
      expect(res.status, path).toBeLessThan(500);
      expect(res.headers.get("content-type"), path).toMatch(/json/);
      expect(JSON.stringify(res.body)).not.toMatch(/\.ts:\d+|<html/i);
    }
  });
});

describe("GET /v1/openapi.json", () => {
  it("describes the routes from the same zod schemas", async () => {
    const res = await api("/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(["/v1/account", "/v1/account/login", "/v1/wallet", "/v1/wallet/transactions", "/v1/admin/wallet-grants"]));
    expect(res.body.components.schemas.CreateAccount.required).toEqual(["email", "password"]);
    expect(res.body.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });
});
