import type { Env } from "./env";

/** Settings with their defaults; each name carries its unit. */
export interface Settings {
  rateLimitPerMinute: number;
  accessTokenTtlSeconds: number;
  topUpUrl: string | null;
  fetchAllowHosts: string[];
}

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 120;
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

export function readSettings(env: Env): Settings {
  return {
    rateLimitPerMinute: positiveInt(env.RATE_LIMIT_PER_MINUTE, DEFAULT_RATE_LIMIT_PER_MINUTE),
    accessTokenTtlSeconds: positiveInt(env.ACCESS_TOKEN_TTL_SECONDS, DEFAULT_ACCESS_TOKEN_TTL_SECONDS),
    topUpUrl: env.TOP_UP_URL?.trim() ? env.TOP_UP_URL.trim() : null,
    fetchAllowHosts: (env.FETCH_ALLOW_HOSTS ?? "")
      .split(",")
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
  };
}
