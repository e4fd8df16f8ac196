import { DurableObject } from "cloudflare:workers";
import type { Env } from "../platform/env";
import { transactionId } from "../platform/ids";
import { applyMovement, settleHold, type HoldState, type LedgerEntry, type Movement, type WalletTotals } from "./ledger";
import { mirrorEntries } from "./mirror";
import { RequestLog, type BeginRequestResult } from "./request-log";
import { KeyedLimiter, type Admission, type LimitCheck } from "../platform/rate-limit";
import { readSettings } from "../platform/settings";
import { emitEvent } from "../webhooks/events";

/**
 * A 402: the wallet's balance ran short, or, with `limit: "widget-cap"`, the
 * spend cap of the widget token the charge was made with (`balance` is then
 * what the token may still spend).
 */
export type DebitResult =
  | { ok: true; entry: LedgerEntry; replayed: boolean }
  | { ok: false; balance: number; shortfall: number; limit?: "widget-cap" };

/** A charge made with a widget token: its spend is counted, and capped if the token has a cap. */
export interface WidgetSpender {
  tokenId: string;
  capTokens: number | null;
}

export interface HoldOutcome {
  jobId: string;
  state: HoldState;
  amount: number;
  /** When the wallet refunds the hold if the job has not ended (ms since the epoch). */
  expiresAt: number | null;
  captured: number;
  refunded: number;
  /** Entries written by this call; empty when the hold had already ended (a replay). */
  entries: LedgerEntry[];
}

/** How soon the alarm pushes entries to D1 that a flush has not (the object may be evicted mid-flush). */
const MIRROR_RETRY_MS = 5_000;
/** Holds refunded at once by one alarm or sweep; the rest follow on the next alarm. */
const EXPIRE_BATCH_HOLDS = 100;
export const HOLD_EXPIRED_REASON = "The job did not finish before its deadline; its tokens were refunded.";
const MIRROR_BATCH_ROWS = 50;

interface EntryRow extends Record<string, SqlStorageValue> {
  seq: number;
  type: string;
  amount: number;
  held_delta: number;
  balance_after: number;
  held_after: number;
  service: string | null;
  job_id: string | null;
  reason: string | null;
  created_at: string;
}

interface HoldRow extends Record<string, SqlStorageValue> {
  job_id: string;
  service: string;
  amount: number;
  state: string;
  captured: number;
  refunded: number;
  expires_at: number | null;
}

/**
 * One instance per account (idFromName(accountId)). It owns the account's
 * authoritative ledger in its SQLite storage and serializes every token
 * movement: each method checks and writes inside one synchronous storage
 * transaction, so concurrent charges cannot both see the same balance.
 * Every movement carries an idempotency key (UNIQUE), so a retried call
 * returns the first result instead of moving tokens again.
 *
 * Entries are then copied to D1 for listing (outbox: `mirrored = 0` until
 * D1 has them; INSERT OR IGNORE keyed by (account, seq)). The object's alarm
 * is set with every movement, before the flush, so entries an evicted object
 * did not push are pushed by the alarm, not by the account's next movement.
 *
 * Every hold has a deadline (`expires_at`, JOB_DEADLINE_SECONDS after the
 * debit), like a pending transfer's timeout: the alarm refunds a hold still
 * held at its deadline, so tokens are never held for ever by a job that
 * nothing will end (a Worker that died between the debit and the job row, a
 * dead-letter handler that cannot reach D1). The sweeper (src/maintenance/)
 * fails such jobs in D1.
 *
 * It also keeps small per-account records that need the same
 * serialization: the Idempotency-Key response log, the rate limiters, and
 * what each widget token has spent.
 */
export class AccountWallet extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly requests: RequestLog;
  /**
   * Requests per minute: the account's own, and widget tokens' and origins'
   * counted apart from it (src/widgets/settings.ts says why). In memory on
   * purpose: a limiter that forgets on eviction only errs towards admitting.
   */
  private readonly limiter = new KeyedLimiter(60_000);
  private mirrorChain: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ledger (
        seq INTEGER PRIMARY KEY CHECK (seq > 0),
        type TEXT NOT NULL CHECK (type IN ('grant', 'debit', 'capture', 'refund')),
        amount INTEGER NOT NULL,
        held_delta INTEGER NOT NULL,
        balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
        held_after INTEGER NOT NULL CHECK (held_after >= 0),
        service TEXT,
        job_id TEXT,
        reason TEXT,
        idempotency_key TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        mirrored INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS ledger_unmirrored ON ledger (seq) WHERE mirrored = 0;
      CREATE TABLE IF NOT EXISTS holds (
        job_id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0),
        state TEXT NOT NULL CHECK (state IN ('held', 'captured', 'refunded')),
        captured INTEGER NOT NULL DEFAULT 0,
        refunded INTEGER NOT NULL DEFAULT 0,
        CHECK (captured + refunded <= amount)
      );
      -- What each widget token has spent: bumped by a debit and given back by a
      -- refund in the same transaction, so a token's cap can never be overrun.
      CREATE TABLE IF NOT EXISTS widget_spend (
        token_id TEXT PRIMARY KEY,
        spent INTEGER NOT NULL CHECK (spent >= 0)
      );
      -- Which widget token paid for a job's hold, so its end can give the cap back.
      CREATE TABLE IF NOT EXISTS widget_holds (
        job_id TEXT PRIMARY KEY,
        token_id TEXT NOT NULL
      );
    `);
    // Objects created before hold deadlines get the column; their open holds get a deadline from now.
    if (!this.sql.exec<{ name: string }>("PRAGMA table_info(holds)").toArray().some((c) => c.name === "expires_at")) {
      this.sql.exec("ALTER TABLE holds ADD COLUMN expires_at INTEGER");
      this.sql.exec("UPDATE holds SET expires_at = ? WHERE state = 'held'", Date.now() + this.holdTtlMs());
    }
    this.sql.exec("CREATE INDEX IF NOT EXISTS holds_open ON holds (expires_at) WHERE state = 'held'");
    this.requests = new RequestLog(this.sql);
  }

  // ---- ledger ---------------------------------------------------------------

  async grant(accountId: string, input: { amount: number; reason: string; idempotencyKey: string }): Promise<{ entry: LedgerEntry; replayed: boolean }> {
    const result = this.ctx.storage.transactionSync(() => {
      this.bindAccount(accountId);
      const existing = this.entryByKey(`grant:${input.idempotencyKey}`);
      if (existing) return { entry: existing, replayed: true };
      const entry = this.append({ type: "grant", amount: input.amount, heldDelta: 0, reason: input.reason }, `grant:${input.idempotencyKey}`);
      return { entry, replayed: false };
    });
    await this.afterMovement();
    return result;
  }

  /**
   * Charges `amount` for a job by putting it on hold. The 402 decision is
   * made here, inside the same transaction as the write: for a charge made
   * with a widget token, the token's cap is checked and its spend counted
   * there too, so concurrent charges cannot overrun a cap any more than a
   * balance.
   */
  async debit(
    accountId: string,
    input: { amount: number; service: string; jobId: string; idempotencyKey: string; widget?: WidgetSpender },
  ): Promise<DebitResult> {
    const result = this.ctx.storage.transactionSync((): DebitResult => {
      this.bindAccount(accountId);
      const key = `debit:${input.idempotencyKey}`;
      const existing = this.entryByKey(key);
      if (existing) return { ok: true, entry: existing, replayed: true };
      const widget = input.widget;
      if (widget && widget.capTokens !== null) {
        const left = Math.max(0, widget.capTokens - this.spentBy(widget.tokenId));
        if (left < input.amount) return { ok: false, limit: "widget-cap", balance: left, shortfall: input.amount - left };
      }
      const totals = this.totals();
      if (totals.balance < input.amount) {
        return { ok: false, balance: totals.balance, shortfall: input.amount - totals.balance };
      }
      if (this.hold(input.jobId)) throw new Error(`job ${input.jobId} already has a hold`);
      const entry = this.append(
        { type: "debit", amount: -input.amount, heldDelta: input.amount, service: input.service, jobId: input.jobId },
        key,
      );
      this.sql.exec(
        "INSERT INTO holds (job_id, service, amount, state, expires_at) VALUES (?, ?, ?, 'held', ?)",
        input.jobId,
        input.service,
        input.amount,
        Date.now() + this.holdTtlMs(),
      );
      if (widget) {
        this.sql.exec("INSERT INTO widget_holds (job_id, token_id) VALUES (?, ?)", input.jobId, widget.tokenId);
        this.addSpend(widget.tokenId, input.amount);
      }
      return { ok: true, entry, replayed: false };
    });
    if (result.ok && !result.replayed) {
      await this.afterMovement();
      await this.announceLowBalance(accountId, result.entry);
    }
    return result;
  }

  /**
   * Ends a job's hold as finished work: `finalCost` tokens become final and
   * the rest (if the estimate was higher) go back to the balance.
   */
  async settle(accountId: string, input: { jobId: string; finalCost?: number }): Promise<HoldOutcome> {
    const result = this.ctx.storage.transactionSync(() => {
      this.bindAccount(accountId);
      const hold = this.requireHold(input.jobId);
      if (hold.state !== "held") return this.outcome(hold, []);
      const { capture, refund } = settleHold(hold.amount, input.finalCost ?? hold.amount);
      const service = hold.service;
      const entries = [
        this.append({ type: "capture", amount: 0, heldDelta: -capture, service, jobId: input.jobId }, `capture:${input.jobId}`),
      ];
      if (refund > 0) {
        entries.push(
          this.append(
            { type: "refund", amount: refund, heldDelta: -refund, service, jobId: input.jobId, reason: "final cost below estimate" },
            `refund:${input.jobId}`,
          ),
        );
      }
      this.sql.exec("UPDATE holds SET state = 'captured', captured = ?, refunded = ? WHERE job_id = ?", capture, refund, input.jobId);
      this.giveBackSpend(input.jobId, refund);
      return this.outcome(this.requireHold(input.jobId), entries);
    });
    if (result.entries.length) await this.afterMovement();
    return result;
  }

  /** Gives a failed job's whole hold back. Exactly once: later calls change nothing. */
  async refund(accountId: string, input: { jobId: string; reason: string }): Promise<HoldOutcome> {
    const result = this.ctx.storage.transactionSync(() => {
      this.bindAccount(accountId);
      return this.refundHold(this.requireHold(input.jobId), input.reason);
    });
    if (result.entries.length) await this.afterMovement();
    return result;
  }

  /**
   * Refunds every hold past its deadline, pushes what D1 lacks and sets the
   * next alarm; what the alarm does, callable by the sweeper for an account
   * whose alarm may have been lost. Returns the jobs whose holds it refunded.
   */
  async sweep(): Promise<{ expired: string[] }> {
    const expired = this.expireHolds(Date.now());
    try {
      await this.pushUnmirrored();
    } finally {
      await this.scheduleAlarm();
    }
    return { expired };
  }

  async summary(): Promise<{ balance: number; held: number; entries: number }> {
    const totals = this.totals();
    return { balance: totals.balance, held: totals.held, entries: totals.lastSeq };
  }

  async holdOf(jobId: string): Promise<HoldOutcome | null> {
    const hold = this.hold(jobId);
    return hold ? this.outcome(hold, []) : null;
  }

  /** Every entry, oldest first; for invariant checks and audits. */
  async entries(): Promise<LedgerEntry[]> {
    return this.sql.exec<EntryRow>("SELECT * FROM ledger ORDER BY seq").toArray().map(toEntry);
  }

  /** Tokens a widget token has spent and not had back. */
  async widgetSpend(tokenId: string): Promise<{ spent: number }> {
    return { spent: this.spentBy(tokenId) };
  }

  // ---- low-balance event ------------------------------------------------------

  /** PUT /v1/wallet/low-balance-threshold: below this balance, `wallet.balance_low` is sent; null turns it off. */
  async setLowBalanceThreshold(accountId: string, threshold: number | null): Promise<number | null> {
    this.ctx.storage.transactionSync(() => {
      this.bindAccount(accountId);
      if (threshold === null) this.sql.exec("DELETE FROM meta WHERE key = 'low_balance_threshold'");
      else this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('low_balance_threshold', ?)", String(threshold));
    });
    return this.lowBalanceThreshold();
  }

  async lowBalanceThreshold(): Promise<number | null> {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'low_balance_threshold'").toArray()[0];
    return row ? Number(row.value) : null;
  }

  /** Once per crossing: the debit took the balance from at or above the threshold to below it. */
  private async announceLowBalance(accountId: string, debit: LedgerEntry): Promise<void> {
    const threshold = await this.lowBalanceThreshold();
    const before = debit.balanceAfter - debit.amount;
    if (threshold === null || before < threshold || debit.balanceAfter >= threshold) return;
    const data = { balance: debit.balanceAfter, held: debit.heldAfter, currency: "tokens" as const, lowBalanceThreshold: threshold };
    await emitEvent(this.env, accountId, "wallet.balance_low", { data });
  }

  // ---- per-account request bookkeeping ---------------------------------------

  /** Admitted only if every key (the account; or a widget token and its origin) is under its limit. */
  async admit(checks: LimitCheck[]): Promise<Admission> {
    return this.limiter.admit(checks, Date.now());
  }

  async beginRequest(key: string, fingerprint: string): Promise<BeginRequestResult> {
    return this.requests.begin(key, fingerprint, Date.now());
  }

  async finishRequest(key: string, status: number, body: string): Promise<void> {
    this.requests.finish(key, status, body);
  }

  async abandonRequest(key: string): Promise<void> {
    this.requests.abandon(key);
  }

  // ---- D1 mirror -------------------------------------------------------------

  override async alarm(): Promise<void> {
    // Throwing (D1 down) makes the runtime retry the alarm with backoff.
    await this.sweep();
  }

  /**
   * After a movement: the alarm is set before the flush, so that if this
   * object is evicted before D1 has the entries, the alarm still pushes them.
   */
  private async afterMovement(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + MIRROR_RETRY_MS);
    await this.flushMirror();
  }

  /** The next alarm: soon if D1 lacks entries, else at the earliest open hold's deadline, else none. */
  private async scheduleAlarm(): Promise<void> {
    const unmirrored = this.sql.exec("SELECT 1 FROM ledger WHERE mirrored = 0 LIMIT 1").toArray().length > 0;
    const next = this.sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM holds WHERE state = 'held'").toArray()[0]?.at ?? null;
    const at = unmirrored ? Date.now() + MIRROR_RETRY_MS : next;
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
  }

  private expireHolds(nowMs: number): string[] {
    const accountId = this.accountId();
    if (!accountId) return [];
    return this.ctx.storage.transactionSync(() =>
      this.sql
        .exec<HoldRow>("SELECT * FROM holds WHERE state = 'held' AND expires_at <= ? ORDER BY expires_at LIMIT ?", nowMs, EXPIRE_BATCH_HOLDS)
        .toArray()
        .map((hold) => this.refundHold(hold, HOLD_EXPIRED_REASON).jobId),
    );
  }

  private holdTtlMs(): number {
    return readSettings(this.env).jobDeadlineSeconds * 1000;
  }

  /**
   * Copies unmirrored entries to D1 before the calling method returns, so a
   * caller that lists its transactions right after a charge sees it. Flushes
   * run one after another; if D1 is down, the alarm afterMovement set
   * before this flush pushes the entries later, and the ledger itself is
   * unaffected.
   */
  private async flushMirror(): Promise<void> {
    const run = this.mirrorChain.then(() => this.pushUnmirrored());
    this.mirrorChain = run.catch(() => undefined);
    try {
      await run;
    } catch (error) {
      console.error("wallet mirror: D1 write failed, retrying by alarm", error);
    }
  }

  private async pushUnmirrored(): Promise<void> {
    const accountId = this.accountId();
    if (!accountId) return;
    for (;;) {
      const rows = this.sql
        .exec<EntryRow>("SELECT * FROM ledger WHERE mirrored = 0 ORDER BY seq LIMIT ?", MIRROR_BATCH_ROWS)
        .toArray();
      if (rows.length === 0) return;
      await mirrorEntries(this.env.DB, accountId, rows.map(toEntry));
      const last = rows[rows.length - 1]!.seq;
      this.sql.exec("UPDATE ledger SET mirrored = 1 WHERE mirrored = 0 AND seq <= ?", last);
    }
  }

  // ---- storage helpers (call inside transactionSync) -------------------------

  /** Gives a held hold back whole, exactly once: a hold that has ended is returned as it is. */
  private refundHold(hold: HoldRow, reason: string): HoldOutcome {
    if (hold.state !== "held") return this.outcome(hold, []);
    const entry = this.append(
      { type: "refund", amount: hold.amount, heldDelta: -hold.amount, service: hold.service, jobId: hold.job_id, reason: reason.slice(0, 500) },
      `refund:${hold.job_id}`,
    );
    this.sql.exec("UPDATE holds SET state = 'refunded', refunded = amount WHERE job_id = ?", hold.job_id);
    this.giveBackSpend(hold.job_id, hold.amount);
    return this.outcome(this.requireHold(hold.job_id), [entry]);
  }

  private bindAccount(accountId: string): void {
    const bound = this.accountId();
    if (bound === null) this.sql.exec("INSERT INTO meta (key, value) VALUES ('account_id', ?)", accountId);
    else if (bound !== accountId) throw new Error(`wallet of ${bound} was addressed as ${accountId}`);
  }

  private accountId(): string | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'account_id'").toArray()[0];
    return row?.value ?? null;
  }

  private totals(): WalletTotals {
    const row = this.sql
      .exec<{ seq: number; balance_after: number; held_after: number }>(
        "SELECT seq, balance_after, held_after FROM ledger ORDER BY seq DESC LIMIT 1",
      )
      .toArray()[0];
    return row ? { balance: row.balance_after, held: row.held_after, lastSeq: row.seq } : { balance: 0, held: 0, lastSeq: 0 };
  }

  private append(movement: Movement, idempotencyKey: string): LedgerEntry {
    const entry = applyMovement(this.totals(), movement, new Date().toISOString());
    this.sql.exec(
      `INSERT INTO ledger (seq, type, amount, held_delta, balance_after, held_after, service, job_id, reason, idempotency_key, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      entry.seq,
      entry.type,
      entry.amount,
      entry.heldDelta,
      entry.balanceAfter,
      entry.heldAfter,
      entry.service,
      entry.jobId,
      entry.reason,
      idempotencyKey,
      entry.createdAt,
    );
    return entry;
  }

  private entryByKey(idempotencyKey: string): LedgerEntry | null {
    const row = this.sql.exec<EntryRow>("SELECT * FROM ledger WHERE idempotency_key = ?", idempotencyKey).toArray()[0];
    return row ? toEntry(row) : null;
  }

  private spentBy(tokenId: string): number {
    const row = this.sql.exec<{ spent: number }>("SELECT spent FROM widget_spend WHERE token_id = ?", tokenId).toArray()[0];
    return row?.spent ?? 0;
  }

  private addSpend(tokenId: string, amount: number): void {
    this.sql.exec(
      "INSERT INTO widget_spend (token_id, spent) VALUES (?, ?) ON CONFLICT (token_id) DO UPDATE SET spent = spent + excluded.spent",
      tokenId,
      amount,
    );
  }

  /** A refund of a widget-paid job gives the tokens back to the token's cap as well as to the balance. */
  private giveBackSpend(jobId: string, amount: number): void {
    if (amount <= 0) return;
    const row = this.sql.exec<{ token_id: string }>("SELECT token_id FROM widget_holds WHERE job_id = ?", jobId).toArray()[0];
    if (row) this.sql.exec("UPDATE widget_spend SET spent = spent - ? WHERE token_id = ?", amount, row.token_id);
  }

  private hold(jobId: string): HoldRow | null {
    return this.sql.exec<HoldRow>("SELECT * FROM holds WHERE job_id = ?", jobId).toArray()[0] ?? null;
  }

  private requireHold(jobId: string): HoldRow {
    const hold = this.hold(jobId);
    if (!hold) throw new Error(`no hold for job ${jobId}`);
    return hold;
  }

  private outcome(hold: HoldRow, entries: LedgerEntry[]): HoldOutcome {
    return {
      jobId: hold.job_id,
      state: hold.state as HoldState,
      amount: hold.amount,
      expiresAt: hold.expires_at,
      captured: hold.captured,
      refunded: hold.refunded,
      entries,
    };
  }
}

function toEntry(row: EntryRow): LedgerEntry {
  return {
    seq: row.seq,
    id: transactionId(row.seq),
    type: row.type as LedgerEntry["type"],
    amount: row.amount,
    heldDelta: row.held_delta,
    balanceAfter: row.balance_after,
    heldAfter: row.held_after,
    service: row.service,
    jobId: row.job_id,
    reason: row.reason,
    createdAt: row.created_at,
  };
}
