import { inject } from "vitest";
import { ADMIN_KEY, api } from "./api";

/**
 * Provisions a segmentation model into this test run's R2 through the admin
 * API, exactly as scripts/provision-model.mjs does against a server: each
 * file with its SHA-256, then the manifest. `fast` (384 px) serves tests of
 * what happens around the model; `print` (the default a deployment runs, 1024 px
 * in 27 stages, several times the arithmetic) the tests of the model's own output.
 */
export async function ensureModel(model: "print" | "fast" = "fast"): Promise<void> {
  const manifest = inject("modelManifests")[model];
  const active = await api("/v1/admin/models/active", { headers: { "x-admin-key": ADMIN_KEY } });
  if (active.status === 200 && active.body.data.name === manifest.name) return;
  for (const file of manifest.files) {
    const res = await fetch(`${inject("fixtureBaseUrl")}/models/${file.path}`);
    const stored = await api(`/v1/admin/models/${manifest.name}/files/${file.path}`, {
      method: "PUT",
      headers: { "x-admin-key": ADMIN_KEY, "x-content-sha256": file.sha256, "content-type": "application/octet-stream" },
      rawBody: await res.arrayBuffer(),
    });
    if (stored.status !== 201) throw new Error(`model file ${file.path}: ${stored.status} ${JSON.stringify(stored.body)}`);
  }
  const activated = await api("/v1/admin/models/active", { method: "PUT", headers: { "x-admin-key": ADMIN_KEY }, body: manifest });
  if (activated.status !== 200) throw new Error(`activate: ${activated.status} ${JSON.stringify(activated.body)}`);
}
