import { and, eq } from "drizzle-orm";
import { database, schema } from "../db/client";
import type { Env } from "../platform/env";
import { queueDelivery, type EventContent } from "./outbox";
import type { EndpointRow } from "./endpoints";
import type { WebhookEventType } from "./schemas";

/**
 * The body every delivery carries: `{ type, timestamp, data }`, where `data`
 * is the object the event's GET endpoint returns, as it was when the event
 * happened (its signed links last 24 h; GET the resource for fresh ones).
 */
export function eventBody(type: string, data: unknown, timestamp = new Date().toISOString()): string {
  return JSON.stringify({ type, timestamp, data });
}

/**
 * Sends an event to every enabled endpoint of the account subscribed to it,
 * with its `data`, or, for a job, the job's id: the API Worker renders the
 * job as its GET endpoint does at the first attempt, with links to the API
 * origin the endpoint was registered through. Never throws: an event must not change or delay
 * what caused it (a job's outcome, a check's answer, a charge); a failure is
 * logged and the event is lost for the endpoints not yet recorded.
 */
export async function emitEvent(env: Env, accountId: string, type: WebhookEventType, content: { data: unknown } | { resource: { job: string } }): Promise<void> {
  try {
    const t = schema.webhookEndpoints;
    const endpoints = await database(env.DB)
      .select()
      .from(t)
      .where(and(eq(t.accountId, accountId), eq(t.status, "enabled")));
    const subscribed = endpoints.filter((e: EndpointRow) => (e.events as string[]).includes(type));
    const timestamp = new Date().toISOString();
    const body: EventContent = "data" in content ? { payload: eventBody(type, content.data, timestamp) } : content;
    for (const endpoint of subscribed) await queueDelivery(env, endpoint, type, timestamp, body);
  } catch (error) {
    console.error(`webhooks: could not emit ${type} for ${accountId}`, error);
  }
}
