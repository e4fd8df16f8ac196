import { inject } from "vitest";
import { ADMIN_KEY, api } from "./api";

/**
 * Provisions the default segmentation model into this test run's R2 through
 * the admin API, exactly as scripts/provision-model.mjs does against a
 * server: each file with its SHA-256, then the manifest.
 */
export async function ensureModel(): Promise<void> {
  const manifest = inject("modelManifest");
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
