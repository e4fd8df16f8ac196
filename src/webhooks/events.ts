import { and, eq } from "drizzle-orm";
import { database, schema } from "../db/client";
import type { Env } from "../platform/env";
import { queueDelivery } from "./deliver";
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
 * Sends an event to every enabled endpoint of the account subscribed to it.
 * `dataFor` builds `data` for an endpoint (links point at the API origin it
 * was registered through). Never throws: an event must not change or delay
 * what caused it (a job's outcome, a check's answer, a charge); a failure is
 * logged and the event is lost for the endpoints not yet recorded.
 */
export async function emitEvent(env: Env, accountId: string, type: WebhookEventType, dataFor: (apiOrigin: string) => Promise<unknown> | unknown): Promise<void> {
  try {
    const t = schema.webhookEndpoints;
    const endpoints = await database(env.DB)
      .select()
      .from(t)
      .where(and(eq(t.accountId, accountId), eq(t.status, "enabled")));
    const subscribed = endpoints.filter((e: EndpointRow) => (e.events as string[]).includes(type));
    const timestamp = new Date().toISOString();
    for (const endpoint of subscribed) {
      await queueDelivery(env, endpoint, type, eventBody(type, await dataFor(endpoint.apiOrigin), timestamp));
    }
  } catch (error) {
    console.error(`webhooks: could not emit ${type} for ${accountId}`, error);
  }
}
