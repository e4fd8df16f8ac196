import type { Env } from "../platform/env";

/**
 * Widget limits. Widget traffic is counted apart from the account's own
 * RATE_LIMIT_PER_MINUTE, so a busy (or hostile) storefront page can never
 * lock the shop's own server out of the API; it has its own two limits:
 * per widget token (one shopper's page) and per origin (all of a shop's
 * pages together, whatever tokens they got).
 */
export const DEFAULT_WIDGET_TOKEN_RATE_LIMIT_PER_MINUTE = 60;
export const DEFAULT_WIDGET_ORIGIN_RATE_LIMIT_PER_MINUTE = 300;

interface WidgetEnv extends Env {
  WIDGET_TOKEN_RATE_LIMIT_PER_MINUTE?: string;
  WIDGET_ORIGIN_RATE_LIMIT_PER_MINUTE?: string;
}

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

export function readWidgetLimits(env: Env): { perTokenPerMinute: number; perOriginPerMinute: number } {
  const vars = env as WidgetEnv;
  return {
    perTokenPerMinute: positiveInt(vars.WIDGET_TOKEN_RATE_LIMIT_PER_MINUTE, DEFAULT_WIDGET_TOKEN_RATE_LIMIT_PER_MINUTE),
    perOriginPerMinute: positiveInt(vars.WIDGET_ORIGIN_RATE_LIMIT_PER_MINUTE, DEFAULT_WIDGET_ORIGIN_RATE_LIMIT_PER_MINUTE),
  };
}
