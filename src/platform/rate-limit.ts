/**
 * Sliding-window rate limits: a key admits a request while fewer than
 * `limit` requests were admitted in the last `windowMs`. The state of each
 * limit is what the RateLimit / RateLimit-Policy headers report
 * (draft-ietf-httpapi-ratelimit-headers): src/middleware/rate-limit-headers.ts.
 */
export interface LimitCheck {
  /** Names the counter (e.g. "account", "token:wt_…"). */
  key: string;
  limit: number;
  /** Names the policy in the headers (e.g. "account", "widget-token"). */
  policy?: string;
}

export interface LimitState {
  policy: string;
  limit: number;
  windowSeconds: number;
  /** Requests still allowed now. */
  remaining: number;
  /** Seconds until the window lets one more request in (0 when there is room now). */
  resetSeconds: number;
}

export type Admission = { ok: true; states: LimitState[] } | { ok: false; key: string; retryAfterSeconds: number; states: LimitState[] };

/**
 * The state of one limit over `times`, the admitted requests' times still in
 * the window, oldest first.
 */
export function limitState(policy: string, times: readonly number[], limit: number, windowMs: number, nowMs: number): LimitState {
  const remaining = Math.max(0, limit - times.length);
  // The request that has to leave the window before one more fits.
  const blocking = times.length >= limit ? times[times.length - limit] : undefined;
  const resetSeconds = blocking === undefined ? 0 : Math.max(1, Math.ceil((blocking + windowMs - nowMs) / 1000));
  return { policy, limit, windowSeconds: Math.round(windowMs / 1000), remaining, resetSeconds };
}

/** Past this many keys, keys whose window is empty are swept. */
const SWEEP_ABOVE_KEYS = 1_000;

/**
 * Limits over several keys at once (a widget token and its origin): a
 * request is admitted only if every key is under its limit, and is then
 * counted under all of them, so a refusal by one key never uses up another
 * key's allowance. Kept in memory by the account's Durable Object: a limiter
 * that forgets on eviction only errs towards admitting, which is right for
 * request rates (login throttling, where forgetting would help an attacker,
 * is stored: src/auth/throttle.ts).
 */
export class KeyedLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly windowMs: number) {}

  admit(checks: LimitCheck[], nowMs: number): Admission {
    const cutoff = nowMs - this.windowMs;
    if (this.windows.size > SWEEP_ABOVE_KEYS) this.sweep(cutoff);
    const stateOf = ({ key, limit, policy }: LimitCheck) => limitState(policy ?? key, this.recent(key, cutoff), limit, this.windowMs, nowMs);
    for (const check of checks) {
      const state = stateOf(check);
      if (state.remaining === 0) return { ok: false, key: check.key, retryAfterSeconds: state.resetSeconds, states: checks.map(stateOf) };
    }
    for (const { key } of checks) this.recent(key, cutoff).push(nowMs);
    return { ok: true, states: checks.map(stateOf) };
  }

  private recent(key: string, cutoff: number): number[] {
    const times = this.windows.get(key) ?? [];
    let drop = 0;
    while (drop < times.length && times[drop]! <= cutoff) drop++;
    const kept = drop > 0 ? times.slice(drop) : times;
    this.windows.set(key, kept);
    return kept;
  }

  private sweep(cutoff: number): void {
    for (const [key, times] of this.windows) {
      if (times.length === 0 || times[times.length - 1]! <= cutoff) this.windows.delete(key);
    }
  }
}
