import { and, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import { database, schema } from "../db/client";
import type { Env } from "../platform/env";
import { notFound } from "../platform/errors";
import { afterCursor, encodeCursor, pageOf, type PageQuery } from "../platform/pagination";
import { readSettings } from "../platform/settings";
import { checkFetchUrl } from "../platform/url-policy";
import { findEndpointRow, signingSecrets, type EndpointRow } from "./endpoints";
import type { WebhookDelivery } from "./schemas";
import { signedHeaders } from "./signing";
import { toFixJobResponse } from "../ai-fix/jobs";
import { toStickerResponse } from "../stickers/jobs";
import { toBgRemovalResponse } from "../bg-removal/jobs";
import { findJob } from "../jobs/store";
import { eventBody } from "./events";
// This module runs in the API Worker only (its queue handler, routes and the
// sweeper): it renders jobs, so the consumers import src/webhooks/outbox.ts instead.
import { sendDeliveryMessage, WebhookMessage, type DeliveryRow } from "./outbox";

export { WEBHOOK_QUEUE, WebhookMessage } from "./outbox";

/** Per attempt, the whole exchange: a receiver should answer at once and do its work later. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** An endpoint that has failed every attempt for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3600 * 1000;
/** A pending delivery whose queue message is this late is sent again by the sweeper. */
export const LOST_MESSAGE_AFTER_MS = 10 * 60 * 1000;

const iso = (ms: number) => new Date(ms).toISOString();

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.responseStatus,
    lastError: row.lastError,
    nextAttemptAt: row.status === "pending" ? row.nextAttemptAt : null,
    createdAt: row.createdAt,
    deliveredAt: row.deliveredAt,
  };
}

async function updateDelivery(env: Env, id: string, set: { [K in keyof DeliveryRow]?: DeliveryRow[K] | SQL }): Promise<void> {
  await database(env.DB).update(schema.webhookDeliveries).set({ ...set, updatedAt: iso(Date.now()) }).where(eq(schema.webhookDeliveries.id, id));
}

async function updateEndpointRow(env: Env, id: string, set: Partial<EndpointRow>): Promise<void> {
  await database(env.DB).update(schema.webhookEndpoints).set({ ...set, updatedAt: iso(Date.now()) }).where(eq(schema.webhookEndpoints.id, id));
}

type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** One POST: signed, 10 s for the whole exchange, redirects not followed (a 3xx is a failure). */
async function post(url: string, secrets: string[], id: string, payload: string, nowMs: number): Promise<Attempt> {
  const headers = await signedHeaders(secrets, id, Math.floor(nowMs / 1000), payload);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "Printcart-Webhooks/1.0" },
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    // The answer's body is not used; reading it (bounded by the timeout) frees the connection.
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `The endpoint answered HTTP ${response.status}.` };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { ok: false, status: null, error: timedOut ? `No answer within ${DELIVERY_TIMEOUT_MS / 1000} s.` : "The endpoint could not be reached." };
  }
}

/**
 * Attempts one delivery (a queue message). Success ends it; 410 Gone ends it
 * and disables the endpoint; any other failure schedules the next attempt
 * (WEBHOOK_RETRY_SCHEDULE_SECONDS), or ends it failed after the last one. An
 * endpoint that has failed for DISABLE_AFTER_FAILING_MS is disabled. A
 * delivery that is no longer pending (a duplicate message) is left alone.
 */
export async function attemptDelivery(env: Env, deliveryId: string, nowMs = Date.now()): Promise<void> {
  const db = database(env.DB);
  const delivery = await db.select().from(schema.webhookDeliveries).where(eq(schema.webhookDeliveries.id, deliveryId)).get();
  if (!delivery || delivery.status !== "pending") return;
  const endpoint = await db.select().from(schema.webhookEndpoints).where(eq(schema.webhookEndpoints.id, delivery.endpointId)).get();
  if (!endpoint || endpoint.status !== "enabled") {
    await updateDelivery(env, delivery.id, { status: "failed", lastError: "The endpoint was disabled or deleted.", nextAttemptAt: null });
    return;
  }
  const payload = delivery.payload ?? (await renderPayload(env, delivery, endpoint));
  if (payload === null) {
    await updateDelivery(env, delivery.id, { status: "failed", lastError: "What the event was about no longer exists.", nextAttemptAt: null });
    return;
  }
  // Checked again at every attempt: the allow-list may have changed since registration.
  const verdict = checkFetchUrl(endpoint.url, readSettings(env).fetchAllowHosts);
  const attempt: Attempt = verdict.ok ? await post(verdict.url.toString(), signingSecrets(endpoint, iso(nowMs)), delivery.id, payload, nowMs) : { ok: false, status: null, error: verdict.reason };
  // Counted in the update itself, so two deliveries of one message (at least once) both count.
  const attempts = sql`${schema.webhookDeliveries.attempts} + 1`;

  if (attempt.ok) {
    await updateDelivery(env, delivery.id, { status: "succeeded", attempts, responseStatus: attempt.status, lastError: null, nextAttemptAt: null, deliveredAt: iso(nowMs) });
    if (endpoint.failingSince) await updateEndpointRow(env, endpoint.id, { failingSince: null });
    return;
  }
  if (attempt.status === 410) {
    await updateDelivery(env, delivery.id, { status: "failed", attempts, responseStatus: 410, lastError: attempt.error, nextAttemptAt: null });
    await updateEndpointRow(env, endpoint.id, { status: "disabled", disabledReason: "The endpoint answered 410 Gone." });
    return;
  }
  const failingSince = endpoint.failingSince ?? iso(nowMs);
  if (nowMs - Date.parse(failingSince) >= DISABLE_AFTER_FAILING_MS) {
    await updateEndpointRow(env, endpoint.id, { status: "disabled", disabledReason: "Every delivery attempt failed for 5 days." });
  } else if (!endpoint.failingSince) {
    await updateEndpointRow(env, endpoint.id, { failingSince });
  }
  const schedule = readSettings(env).webhookRetryScheduleSeconds;
  const delay = schedule[delivery.attempts];
  if (delay === undefined) {
    await updateDelivery(env, delivery.id, { status: "failed", attempts, responseStatus: attempt.status, lastError: attempt.error, nextAttemptAt: null });
    return;
  }
  await updateDelivery(env, delivery.id, { attempts, responseStatus: attempt.status, lastError: attempt.error, nextAttemptAt: iso(nowMs + delay * 1000) });
  await sendDeliveryMessage(env, delivery.id, delay);
}

/**
 * The body of a job's event, made once at its first attempt and kept, so
 * every attempt sends (and signs) the same bytes: the job as its GET
 * endpoint returns it, links pointing at the API origin the endpoint was
 * registered through, timestamped when the job ended.
 */
async function renderPayload(env: Env, delivery: DeliveryRow, endpoint: EndpointRow): Promise<string | null> {
  const job = delivery.resource ? await findJob(env, delivery.resource.job) : undefined;
  if (!job) return null;
  const data =
    job.kind === "bg_remove"
      ? await toBgRemovalResponse(env, endpoint.apiOrigin, job)
      : job.kind === "sticker"
        ? await toStickerResponse(env, endpoint.apiOrigin, job)
        : await toFixJobResponse(env, endpoint.apiOrigin, job);
  const payload = eventBody(delivery.eventType, data, delivery.eventAt);
  await updateDelivery(env, delivery.id, { payload });
  return payload;
}

/** The queue handler of printcart-webhooks (the API Worker's). */
export async function consumeWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = WebhookMessage.safeParse(message.body);
    if (!parsed.success) {
      message.ack();
      continue;
    }
    try {
      await attemptDelivery(env, parsed.data.deliveryId);
      message.ack();
    } catch (error) {
      // D1 unavailable: the queue tries again; the delivery's row is unchanged.
      console.error(`webhooks: delivery ${parsed.data.deliveryId} could not be attempted`, error);
      message.retry({ delaySeconds: 30 });
    }
  }
}

export async function listDeliveries(env: Env, accountId: string, endpointId: string, query: PageQuery) {
  const endpoint = await findEndpointRow(env, accountId, endpointId);
  const t = schema.webhookDeliveries;
  const rows = await database(env.DB)
    .select()
    .from(t)
    .where(and(eq(t.endpointId, endpoint.id), afterCursor(t.createdAt, t.id, query.cursor)))
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(query.limit + 1);
  return pageOf(rows, query.limit, toDelivery, encodeCursor);
}

/** Sends a delivery again now, whatever became of it; a failed one is pending again. */
export async function retryDelivery(env: Env, accountId: string, endpointId: string, deliveryId: string): Promise<WebhookDelivery> {
  const endpoint = await findEndpointRow(env, accountId, endpointId);
  const t = schema.webhookDeliveries;
  const at = iso(Date.now());
  const [row] = await database(env.DB)
    .update(t)
    .set({ status: "pending", nextAttemptAt: at, updatedAt: at })
    .where(and(eq(t.id, deliveryId), eq(t.endpointId, endpoint.id)))
    .returning();
  if (!row) throw notFound("The delivery");
  await sendDeliveryMessage(env, row.id, 0);
  return toDelivery(row);
}

/** For the sweeper: pending deliveries whose queue message is long overdue are sent again. */
export async function resendLostDeliveries(env: Env, nowMs: number, limit = 100): Promise<number> {
  const t = schema.webhookDeliveries;
  const rows = await database(env.DB)
    .select({ id: t.id })
    .from(t)
    .where(and(eq(t.status, "pending"), lt(t.nextAttemptAt, iso(nowMs - LOST_MESSAGE_AFTER_MS))))
    .limit(limit);
  for (const { id } of rows) {
    await updateDelivery(env, id, { nextAttemptAt: iso(nowMs) });
    await sendDeliveryMessage(env, id, 0);
  }
  return rows.length;
}
