import { z } from "zod";
import { database, schema } from "../db/client";
import type { Env } from "../platform/env";
import { prefixedId } from "../platform/ids";
import type { EndpointRow } from "./endpoints";

/**
 * Where events wait to be delivered: a row per (event, endpoint) and a
 * message on the webhook queue. This is all an event's source needs, so the
 * consumer Workers that end jobs import only this, not the API's code that
 * renders a job as its GET endpoint does (src/webhooks/deliver.ts does that,
 * in the API Worker, at the first attempt).
 */
export const WebhookMessage = z.object({ deliveryId: z.string().min(1).max(64) });
export type WebhookMessage = z.infer<typeof WebhookMessage>;

export const WEBHOOK_QUEUE = "printcart-webhooks";

export type DeliveryRow = typeof schema.webhookDeliveries.$inferSelect;

/** What an event carries: its body as it will be signed, or the resource the body is made from. */
export type EventContent = { payload: string } | { resource: { job: string } };

/**
 * Records a delivery to an endpoint and puts it on the queue. If the queue
 * refuses, the row stays pending and the sweeper sends it later: at least once.
 */
export async function queueDelivery(env: Env, endpoint: Pick<EndpointRow, "id" | "accountId">, eventType: string, eventAt: string, content: EventContent): Promise<DeliveryRow> {
  const at = new Date().toISOString();
  const row: DeliveryRow = {
    id: prefixedId("msg"),
    endpointId: endpoint.id,
    accountId: endpoint.accountId,
    eventType,
    resource: "resource" in content ? content.resource : null,
    eventAt,
    payload: "payload" in content ? content.payload : null,
    status: "pending",
    attempts: 0,
    responseStatus: null,
    lastError: null,
    nextAttemptAt: at,
    createdAt: at,
    updatedAt: at,
    deliveredAt: null,
  };
  await database(env.DB).insert(schema.webhookDeliveries).values(row);
  await sendDeliveryMessage(env, row.id, 0);
  return row;
}

export async function sendDeliveryMessage(env: Env, deliveryId: string, delaySeconds: number): Promise<void> {
  try {
    await env.WEBHOOKS.send({ deliveryId }, delaySeconds > 0 ? { delaySeconds } : undefined);
  } catch (error) {
    console.error(`webhooks: could not queue delivery ${deliveryId}; the sweeper will`, error);
  }
}
