import { isNotNull } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { JOB_KINDS, JOB_STATUSES } from "../jobs/lifecycle";
import { LEDGER_ENTRY_TYPES } from "../wallet/ledger";

// Mirrors migrations/*.sql; the SQL files are what the database runs.

export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name"),
  passwordHash: text("password_hash").notNull(),
  createdAt: text("created_at").notNull(),
  deletedAt: text("deleted_at"),
});

export const walletTransactions = sqliteTable(
  "wallet_transactions",
  {
    accountId: text("account_id").notNull(),
    seq: integer("seq").notNull(),
    id: text("id").notNull(),
    type: text("type", { enum: LEDGER_ENTRY_TYPES }).notNull(),
    amount: integer("amount").notNull(),
    heldDelta: integer("held_delta").notNull(),
    balanceAfter: integer("balance_after").notNull(),
    heldAfter: integer("held_after").notNull(),
    service: text("service"),
    jobId: text("job_id"),
    reason: text("reason"),
    createdAt: text("created_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.accountId, table.seq] }),
    index("wallet_transactions_job").on(table.accountId, table.jobId),
    index("wallet_transactions_account_created").on(table.accountId, table.createdAt),
  ],
);

export const adminGrants = sqliteTable("admin_grants", {
  idempotencyKey: text("idempotency_key").primaryKey(),
  accountId: text("account_id").notNull(),
  tokens: integer("tokens").notNull(),
  reason: text("reason").notNull(),
  createdAt: text("created_at").notNull(),
});

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    kind: text("kind", { enum: JOB_KINDS }).notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    sourceUrl: text("source_url").notNull(),
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    result: text("result", { mode: "json" }).$type<Record<string, unknown>>(),
    outputKey: text("output_key"),
    outputContentType: text("output_content_type"),
    tokensDeducted: integer("tokens_deducted").notNull(),
    tokensCharged: integer("tokens_charged"),
    walletTransactionId: text("wallet_transaction_id"),
    errorMessage: text("error_message"),
    attempts: integer("attempts").notNull().default(0),
    reportId: text("report_id"),
    decision: text("decision", { enum: ["approved", "rejected"] }),
    decidedAt: text("decided_at"),
    decisionReportId: text("decision_report_id"),
    shopperRef: text("shopper_ref"),
    widgetTokenId: text("widget_token_id"),
    createdAt: text("created_at").notNull(),
    startedAt: text("started_at"),
    completedAt: text("completed_at"),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [
    index("jobs_account_created").on(table.accountId, table.createdAt),
    index("jobs_account_completed").on(table.accountId, table.completedAt).where(isNotNull(table.completedAt)),
  ],
);

export const preflightReports = sqliteTable(
  "preflight_reports",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    designId: text("design_id").notNull(),
    status: text("status", { enum: ["passed", "warnings", "failed"] }).notNull(),
    fileType: text("file_type", { enum: ["jpeg", "png", "tiff", "pdf"] }).notNull(),
    fileUrl: text("file_url").notNull(),
    sourceKey: text("source_key").notNull(),
    sourceBytes: integer("source_bytes").notNull(),
    requirements: text("requirements", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    file: text("file", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    issues: text("issues", { mode: "json" }).$type<Record<string, unknown>[]>().notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("preflight_reports_account_created").on(table.accountId, table.createdAt, table.id)],
);

export const preflightUsage = sqliteTable(
  "preflight_usage",
  {
    accountId: text("account_id").notNull(),
    day: text("day").notNull(),
    checks: integer("checks").notNull(),
    /** Of `checks`, those made with widget tokens (their own daily share). */
    widgetChecks: integer("widget_checks").notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.accountId, table.day] })],
);

export const widgetAllowedOrigins = sqliteTable(
  "widget_allowed_origins",
  {
    accountId: text("account_id").notNull(),
    origin: text("origin").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.accountId, table.origin] }), index("widget_allowed_origins_origin").on(table.origin)],
);

export const widgetTokens = sqliteTable(
  "widget_tokens",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    origin: text("origin").notNull(),
    services: text("services", { mode: "json" }).$type<string[]>().notNull(),
    capTokens: integer("cap_tokens"),
    shopperRef: text("shopper_ref"),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (table) => [index("widget_tokens_account").on(table.accountId, table.createdAt)],
);

/** Small named values the sweeper keeps between runs (e.g. where its walk through uploads stopped). */
export const sweeperState = sqliteTable("sweeper_state", {
  name: text("name").primaryKey(),
  value: text("value").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    url: text("url").notNull(),
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    description: text("description"),
    apiOrigin: text("api_origin").notNull(),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    status: text("status", { enum: ["enabled", "disabled"] }).notNull(),
    disabledReason: text("disabled_reason"),
    failingSince: text("failing_since"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("webhook_endpoints_account").on(table.accountId, table.createdAt, table.id)],
);

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id").notNull(),
    accountId: text("account_id").notNull(),
    eventType: text("event_type").notNull(),
    resource: text("resource", { mode: "json" }).$type<{ job: string }>(),
    eventAt: text("event_at").notNull(),
    payload: text("payload"),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    responseStatus: integer("response_status"),
    lastError: text("last_error"),
    nextAttemptAt: text("next_attempt_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deliveredAt: text("delivered_at"),
  },
  (table) => [index("webhook_deliveries_endpoint").on(table.endpointId, table.createdAt, table.id)],
);
