// Tokens for benchmark jobs, granted as a payment webhook would.
import { readFileSync } from "node:fs";
import path from "node:path";
import { api } from "./servers.mjs";

const root = path.resolve(import.meta.dirname, "../..");

function adminKey() {
  const line = readFileSync(path.join(root, ".dev.vars"), "utf8")
    .split("\n")
    .find((l) => l.startsWith("ADMIN_API_KEY="));
  return line ? line.slice("ADMIN_API_KEY=".length).trim() : "dev-admin-key";
}

/** Tops the demo account up to at least `tokens` (the bench's state persists between servers, so earlier runs may have spent some). */
export async function ensureTokens(base, token, tokens) {
  const wallet = await api(base, "/v1/wallet", { token });
  const short = tokens - wallet.body.data.balance;
  if (short <= 0) return;
  const granted = await api(base, "/v1/admin/wallet-grants", {
    body: { email: "demo@example.com", tokens: short, reason: "benchmark", idempotencyKey: `bench-${Date.now()}-${short}` },
    headers: { "x-admin-key": adminKey() },
  });
  if (granted.status !== 201) throw new Error(`grant: ${granted.status} ${JSON.stringify(granted.body)}`);
}
