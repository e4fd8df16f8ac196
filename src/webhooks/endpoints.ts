import { and, count, desc, eq } from "drizzle-orm";
import { database, schema } from "../db/client";
import { checkFetchUrl } from "../platform/url-policy";
import type { Env } from "../platform/env";
import { AppError, notFound, validationError } from "../platform/errors";
import { prefixedId } from "../platform/ids";
import { afterCursor, encodeCursor, pageOf, type PageQuery } from "../platform/pagination";
import { readSettings } from "../platform/settings";
import { MAX_ENDPOINTS_PER_ACCOUNT, type CreateWebhook, type UpdateWebhook, type WebhookEndpoint } from "./schemas";
import { newSecret } from "./signing";

export type EndpointRow = typeof schema.webhookEndpoints.$inferSelect;

/** After a rotation the old secret signs too for a day, so receivers can switch over without losing a delivery. */
export const PREVIOUS_SECRET_DAYS = 1;

const now = () => new Date().toISOString();

export function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookEndpoint["events"],
    description: row.description,
    status: row.status,
    disabledReason: row.disabledReason,
    previousSecretExpiresAt: row.previousSecretExpiresAt && row.previousSecretExpiresAt > now() ? row.previousSecretExpiresAt : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The same policy as image URLs (no private or loopback targets unless allow-listed), checked at registration. */
function assertDeliverableUrl(env: Env, url: string): void {
  const verdict = checkFetchUrl(url, readSettings(env).fetchAllowHosts);
  if (!verdict.ok) throw validationError([{ path: "url", message: verdict.reason }]);
}

export async function createEndpoint(env: Env, accountId: string, apiOrigin: string, input: CreateWebhook): Promise<WebhookEndpoint & { secret: string }> {
  assertDeliverableUrl(env, input.url);
  const db = database(env.DB);
  const t = schema.webhookEndpoints;
  const [existing] = await db.select({ n: count() }).from(t).where(eq(t.accountId, accountId));
  if ((existing?.n ?? 0) >= MAX_ENDPOINTS_PER_ACCOUNT) {
    throw new AppError("CONFLICT", `An account may have at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints; delete one first.`);
  }
  const at = now();
  const row: EndpointRow = {
    id: prefixedId("we"),
    accountId,
    url: input.url,
    events: [...new Set(input.events)],
    description: input.description ?? null,
    apiOrigin,
    secret: newSecret(),
    previousSecret: null,
    previousSecretExpiresAt: null,
    status: "enabled",
    disabledReason: null,
    failingSince: null,
    createdAt: at,
    updatedAt: at,
  };
  await db.insert(t).values(row);
  return { ...toEndpoint(row), secret: row.secret };
}

/** Another account's endpoint is reported as missing. */
export async function findEndpointRow(env: Env, accountId: string, id: string): Promise<EndpointRow> {
  const t = schema.webhookEndpoints;
  const row = await database(env.DB).select().from(t).where(and(eq(t.id, id), eq(t.accountId, accountId))).get();
  if (!row) throw notFound("The webhook endpoint");
  return row;
}

export async function listEndpoints(env: Env, accountId: string, query: PageQuery) {
  const t = schema.webhookEndpoints;
  const rows = await database(env.DB)
    .select()
    .from(t)
    .where(and(eq(t.accountId, accountId), afterCursor(t.createdAt, t.id, query.cursor)))
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(query.limit + 1);
  return pageOf(rows, query.limit, toEndpoint, encodeCursor);
}

export async function updateEndpoint(env: Env, accountId: string, id: string, input: UpdateWebhook): Promise<WebhookEndpoint> {
  const row = await findEndpointRow(env, accountId, id);
  if (input.url !== undefined) assertDeliverableUrl(env, input.url);
  const set: Partial<EndpointRow> = { updatedAt: now() };
  if (input.url !== undefined) set.url = input.url;
  if (input.events !== undefined) set.events = [...new Set(input.events)];
  if (input.description !== undefined) set.description = input.description;
  if (input.enabled === true) Object.assign(set, { status: "enabled", disabledReason: null, failingSince: null });
  if (input.enabled === false) Object.assign(set, { status: "disabled", disabledReason: "Disabled by the account." });
  const t = schema.webhookEndpoints;
  const [updated] = await database(env.DB).update(t).set(set).where(eq(t.id, row.id)).returning();
  return toEndpoint(updated ?? { ...row, ...set });
}

/** Deletes the endpoint and its delivery log; pending deliveries find it gone and stop. */
export async function deleteEndpoint(env: Env, accountId: string, id: string): Promise<void> {
  const row = await findEndpointRow(env, accountId, id);
  const db = database(env.DB);
  await db.batch([
    db.delete(schema.webhookDeliveries).where(eq(schema.webhookDeliveries.endpointId, row.id)),
    db.delete(schema.webhookEndpoints).where(eq(schema.webhookEndpoints.id, row.id)),
  ]);
}

/** A new secret; the old one keeps signing (a second signature) for PREVIOUS_SECRET_DAYS. */
export async function rotateSecret(env: Env, accountId: string, id: string): Promise<{ secret: string; previousSecretExpiresAt: string }> {
  const row = await findEndpointRow(env, accountId, id);
  const previousSecretExpiresAt = new Date(Date.now() + PREVIOUS_SECRET_DAYS * 24 * 3600 * 1000).toISOString();
  const secret = newSecret();
  const t = schema.webhookEndpoints;
  await database(env.DB).update(t).set({ secret, previousSecret: row.secret, previousSecretExpiresAt, updatedAt: now() }).where(eq(t.id, row.id));
  return { secret, previousSecretExpiresAt };
}

/** The secrets that sign a delivery now: the current one, and the previous one within its day. */
export function signingSecrets(row: EndpointRow, nowIso = now()): string[] {
  const previous = row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt > nowIso ? [row.previousSecret] : [];
  return [row.secret, ...previous];
}
