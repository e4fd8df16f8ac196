import { describe, expect, it } from "vitest";
import { api, PASSWORD, signUp, uniqueEmail } from "./helpers/api";

describe("POST /v1/account", () => {
  it("creates an account and returns a bearer token", async () => {
    const email = uniqueEmail();
    const res = await api("/v1/account", { body: { email: email.toUpperCase(), password: PASSWORD, name: "Shop" } });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ email, name: "Shop" });
    expect(res.body.data.id).toMatch(/^acct_/);
    expect(Date.parse(res.body.data.createdAt)).not.toBeNaN();
    expect(res.body.token_type).toBe("Bearer");
    expect(res.body.expires_in).toBe(3600);
    expect(res.body.access_token.split(".")).toHaveLength(3);
  });

  it("refuses a duplicate email with 409", async () => {
    const { email } = await signUp();
    const res = await api("/v1/account", { body: { email, password: PASSWORD } });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("CONFLICT");
  });

  it.each([
    ["short", "Ab1!"],
    ["no upper", "abcdefg1!"],
    ["no lower", "ABCDEFG1!"],
    ["no digit", "Abcdefgh!"],
    ["no symbol", "Abcdefgh1"],
  ])("refuses a weak password (%s)", async (_case, password) => {
    const res = await api("/v1/account", { body: { email: uniqueEmail(), password } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
    expect(res.body.issues[0].path).toBe("password");
  });

  it("refuses a bad email and reports every issue", async () => {
    const res = await api("/v1/account", { body: { email: "not-an-email", password: 5 } });
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(["email", "password"]);
  });
});

describe("POST /v1/account/login", () => {
  it("logs in with the right password", async () => {
    const { email, id } = await signUp();
    const res = await api("/v1/account/login", { body: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe("Bearer");
    const me = await api("/v1/account", { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(id);
  });

  it("answers a wrong password and an unknown email alike", async () => {
    const { email } = await signUp();
    const wrong = await api("/v1/account/login", { body: { email, password: "Wrong-pass-1" } });
    const unknown = await api("/v1/account/login", { body: { email: uniqueEmail(), password: PASSWORD } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toBe("UNAUTHORIZED");
    expect(wrong.body.message).toBe(unknown.body.message);
  });
});

describe("GET /v1/account", () => {
  it("returns the account of the token", async () => {
    const { token, email } = await signUp();
    const res = await api("/v1/account", { token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data).sort()).toEqual(["createdAt", "email", "id", "name"]);
    expect(res.body.data.email).toBe(email);
  });

  it("stops accepting tokens of a closed account", async () => {
    const { token, email } = await signUp();
    expect((await api("/v1/account", { method: "DELETE", token })).status).toBe(204);
    const res = await api("/v1/account", { token });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("UNAUTHORIZED");
    // The email can be used again.
    expect((await api("/v1/account", { body: { email, password: PASSWORD } })).status).toBe(201);
  });
});
