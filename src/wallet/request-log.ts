/**
 * Responses of charging requests made with an Idempotency-Key, kept 24 h in
 * the account's Durable Object so a replay gets the first response and is not
 * charged again. A key is "running" while its first request is in flight; a
 * second request with the key gets 409 until it finishes. A running key whose
 * request died (the isolate was evicted mid-request) can be taken over after
 * the lease.
 *
 * Each use of a key gets an `attempt` id of its own, and the wallet's charge
 * for the request is keyed by it (`chargeKey`), not by the caller's key
 * alone. So the charge's dedup lives exactly as long as the key's window: a
 * key reused after 24 h, or retried after a 5xx (whose log row is dropped),
 * is a new request with a new charge, and can never find an earlier,
 * possibly refunded, charge. A lease take-over keeps the attempt, so the dead
 * request's charge is found again instead of made twice.
 */
export const REQUEST_LOG_TTL_MS = 24 * 60 * 60 * 1000;
export const REQUEST_LEASE_MS = 2 * 60 * 1000;

export type BeginRequestResult =
  | { state: "started"; chargeKey: string }
  | { state: "running" }
  | { state: "mismatch" }
  | { state: "replay"; status: number; body: string };

interface RequestRow extends Record<string, SqlStorageValue> {
  key: string;
  fingerprint: string;
  state: string;
  status: number | null;
  body: string | null;
  started_at: number;
  attempt: string | null;
}

export class RequestLog {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS requests (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done')),
        status INTEGER,
        body TEXT,
        started_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS requests_started ON requests (started_at);
    `);
    // Objects created before attempts existed get the column; their rows
    // (at most a day old) charge under the caller's key alone.
    const columns = sql.exec<{ name: string }>("PRAGMA table_info(requests)").toArray();
    if (!columns.some((c) => c.name === "attempt")) sql.exec("ALTER TABLE requests ADD COLUMN attempt TEXT");
  }

  begin(key: string, fingerprint: string, nowMs: number): BeginRequestResult {
    this.sql.exec("DELETE FROM requests WHERE started_at <= ?", nowMs - REQUEST_LOG_TTL_MS);
    const row = this.sql.exec<RequestRow>("SELECT * FROM requests WHERE key = ?", key).toArray()[0];
    if (!row) {
      const attempt = crypto.randomUUID();
      this.sql.exec(
        "INSERT INTO requests (key, fingerprint, state, started_at, attempt) VALUES (?, ?, 'running', ?, ?)",
        key,
        fingerprint,
        nowMs,
        attempt,
      );
      return { state: "started", chargeKey: chargeKeyOf(key, attempt) };
    }
    if (row.fingerprint !== fingerprint) return { state: "mismatch" };
    if (row.state === "done") return { state: "replay", status: row.status ?? 200, body: row.body ?? "" };
    if (row.started_at < nowMs - REQUEST_LEASE_MS) {
      // Taken over with the same attempt, so the dead request's charge is found again.
      this.sql.exec("UPDATE requests SET started_at = ? WHERE key = ?", nowMs, key);
      return { state: "started", chargeKey: chargeKeyOf(key, row.attempt) };
    }
    return { state: "running" };
  }

  finish(key: string, status: number, body: string): void {
    this.sql.exec("UPDATE requests SET state = 'done', status = ?, body = ? WHERE key = ?", status, body, key);
  }

  abandon(key: string): void {
    this.sql.exec("DELETE FROM requests WHERE key = ? AND state = 'running'", key);
  }
}

function chargeKeyOf(key: string, attempt: string | null): string {
  return attempt === null ? `request:${key}` : `request:${key}#${attempt}`;
}
