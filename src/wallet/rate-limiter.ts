/**
 * Exact sliding-window limiter: it remembers the times of the last `limit`
 * admitted requests; a new one is admitted when the oldest of them is older
 * than the window. Memory is one number per allowed request.
 */
export class SlidingWindowLimiter {
  private times: number[] = [];

  constructor(private readonly windowMs: number) {}

  admit(limit: number, nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const cutoff = nowMs - this.windowMs;
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! <= cutoff) drop++;
    if (drop > 0) this.times = this.times.slice(drop);
    if (this.times.length >= limit) {
      const oldest = this.times[this.times.length - limit]!;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - nowMs) / 1000)) };
    }
    this.times.push(nowMs);
    return { ok: true };
  }
}
