import type { Env } from "../platform/env";
import { signFileUrl } from "./signing";

/** A fresh 24 h signed link to an R2 object, on the host the caller used. */
export async function fileLink(env: Env, origin: string, key: string): Promise<{ url: string; expiresAt: string }> {
  return signFileUrl(env.URL_SIGNING_SECRET, origin, key, Math.floor(Date.now() / 1000));
}
