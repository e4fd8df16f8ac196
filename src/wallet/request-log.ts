/**
 * Responses of charging requests made with an Idempotency-Key, kept 24 h in
 * the account's Durable Object so a replay gets the first response and is not
 * charged again. A key is "running" while its first request is in flight; a
 * second request with the key gets 409 until it finishes. A running key whose
 * request died (the isolate was evicted mid-request) can be taken over after
 * the lease.
 */
export const REQUEST_LOG_TTL_MS = 24 * 60 * 60 * 1000;
export const REQUEST_LEASE_MS = 2 * 60 * 1000;

export type BeginRequestResult =
  | { state: "started" }
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
  }

  begin(key: string, fingerprint: string, nowMs: number): BeginRequestResult {
    this.sql.exec("DELETE FROM requests WHERE started_at < ?", nowMs - REQUEST_LOG_TTL_MS);
    const row = this.sql.exec<RequestRow>("SELECT * FROM requests WHERE key = ?", key).toArray()[0];
    if (!row) {
      this.sql.exec("INSERT INTO requests (key, fingerprint, state, started_at) VALUES (?, ?, 'running', ?)", key, fingerprint, nowMs);
      return { state: "started" };
    }
    if (row.fingerprint !== fingerprint) return { state: "mismatch" };
    if (row.state === "done") return { state: "replay", status: row.status ?? 200, body: row.body ?? "" };
    if (row.started_at < nowMs - REQUEST_LEASE_MS) {
      this.sql.exec("UPDATE requests SET started_at = ? WHERE key = ?", nowMs, key);
      return { state: "started" };
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
