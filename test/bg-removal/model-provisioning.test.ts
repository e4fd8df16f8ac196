import { describe, expect, it } from "vitest";
import { ADMIN_KEY, api } from "../helpers/api";
import { ensureModel } from "../helpers/model";

const admin = { "x-admin-key": ADMIN_KEY };

describe("model provisioning", () => {
  it("stores a file only when its SHA-256 matches", async () => {
    const bytes = new TextEncoder().encode("not really a model");
    const wrong = await api("/v1/admin/models/probe/files/probe.onnx", {
      method: "PUT",
      headers: { ...admin, "x-content-sha256": "0".repeat(64), "content-type": "application/octet-stream" },
      rawBody: bytes,
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toBe("UNPROCESSABLE_INPUT");
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const right = await api("/v1/admin/models/probe/files/probe.onnx", {
      method: "PUT",
      headers: { ...admin, "x-content-sha256": digest, "content-type": "application/octet-stream" },
      rawBody: bytes,
    });
    expect(right.status).toBe(201);
    expect((await api("/v1/admin/models/probe/files/..%2Fescape", { method: "PUT", headers: { ...admin, "x-content-sha256": digest }, rawBody: bytes })).status).toBe(400);
  });

  it("refuses to activate a manifest whose files are missing or differ, and keeps the active model", async () => {
    await ensureModel();
    const active = (await api("/v1/admin/models/active", { headers: admin })).body.data;
    const broken = { ...active, name: "broken", files: active.files.map((f: { sha256: string }, i: number) => (i === 0 ? { ...f, sha256: "f".repeat(64) } : f)) };
    const res = await api("/v1/admin/models/active", { method: "PUT", headers: admin, body: broken });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/does not match/);
    const invalid = await api("/v1/admin/models/active", { method: "PUT", headers: admin, body: { name: "x" } });
    expect(invalid.status).toBe(400);
    expect((await api("/v1/admin/models/active", { headers: admin })).body.data.name).toBe(active.name);
    expect((await api("/v1/admin/models/active")).status).toBe(401);
  });
});
