import { inject } from "vitest";

export const baseUrl = () => inject("baseUrl");

export async function http(
  pathname: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${baseUrl()}${pathname}`, {
    method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
    headers,
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // The runtime's own answers (a Worker that crashed or was restarted) are plain text.
    throw new Error(`${init.method ?? (init.body !== undefined ? "POST" : "GET")} ${pathname}: ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  return { status: res.status, body, headers: res.headers };
}

/** The dev server's admin key (.dev.vars.example). */
export const DEV_ADMIN_KEY = "dev-admin-key";

/** A new account on the dev server, with `tokens` granted (if any), logged in. */
export async function fundedShop(label: string, tokens: number): Promise<{ email: string; password: string; token: string }> {
  const email = `e2e-${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = "E2e-pass-word1";
  const signUp = await http("/v1/account", { body: { email, password, name: `E2e ${label}` } });
  if (signUp.status !== 201) throw new Error(`sign-up: ${signUp.status} ${JSON.stringify(signUp.body)}`);
  const login = await http("/v1/account/login", { body: { email, password } });
  if (tokens > 0) {
    const grant = await http("/v1/admin/wallet-grants", {
      headers: { "x-admin-key": DEV_ADMIN_KEY },
      body: { email, tokens, reason: `${label} tests`, idempotencyKey: `e2e-${email}` },
    });
    if (grant.status !== 201) throw new Error(`grant: ${grant.status} ${JSON.stringify(grant.body)}`);
  }
  return { email, password, token: login.body.access_token };
}
