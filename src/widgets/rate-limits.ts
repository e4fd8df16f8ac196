/**
 * Sliding-window limits over several keys at once (a widget token and its
 * origin): a request is admitted only if every key is under its limit, and
 * is then counted under all of them, so a refusal by one key never uses up
 * another key's allowance. Lives in the account's Durable Object next to the
 * account limiter, and like it is kept in memory: forgetting on eviction
 * only errs towards admitting.
 */
export interface LimitCheck {
  key: string;
  limit: number;
}

export type Admission = { ok: true } | { ok: false; key: string; retryAfterSeconds: number };

/** Past this many keys, keys whose window is empty are swept; tokens live an hour at most. */
const SWEEP_ABOVE_KEYS = 1_000;

export class KeyedLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly windowMs: number) {}

  admit(checks: LimitCheck[], nowMs: number): Admission {
    const cutoff = nowMs - this.windowMs;
    if (this.windows.size > SWEEP_ABOVE_KEYS) this.sweep(cutoff);
    for (const { key, limit } of checks) {
      const times = this.recent(key, cutoff);
      if (times.length >= limit) {
        const oldest = times[times.length - limit]!;
        return { ok: false, key, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - nowMs) / 1000)) };
      }
    }
    for (const { key } of checks) this.recent(key, cutoff).push(nowMs);
    return { ok: true };
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
