import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../bg-removal/schemas";

/**
 * Event types a webhook endpoint can subscribe to. `data` of each is the
 * object its GET endpoint returns (a job, a report, the wallet).
 */
export const WEBHOOK_EVENT_TYPES = [
  "bg_remove.completed",
  "bg_remove.failed",
  "ai_job.completed",
  "ai_job.failed",
  "sticker.completed",
  "sticker.failed",
  "preflight.check.completed",
  "wallet.balance_low",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** Sent by POST /v1/webhooks/{id}/test, whatever the endpoint subscribed to. */
export const TEST_EVENT_TYPE = "webhook.test";

/** Most endpoints an account may have: each event is delivered to each of them. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 20;

const Events = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length);

export const CreateWebhook = z
  .object({
    url: HttpUrl.openapi({ example: "https://shop.example/hooks/printcart" }),
    events: Events.openapi({ example: ["bg_remove.completed", "bg_remove.failed"] }),
    description: z.string().max(500).optional(),
  })
  .openapi("CreateWebhook");
export type CreateWebhook = z.infer<typeof CreateWebhook>;

export const UpdateWebhook = z
  .object({
    url: HttpUrl.optional(),
    events: Events.optional(),
    description: z.string().max(500).nullable().optional(),
    enabled: z.boolean().optional().openapi({ description: "true re-enables an endpoint that was disabled" }),
  })
  .openapi("UpdateWebhook");
export type UpdateWebhook = z.infer<typeof UpdateWebhook>;

export const WebhookEndpoint = z
  .object({
    id: z.string().openapi({ example: "we_V1StGXR8_Z5jdHi6B-myT" }),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    description: z.string().nullable(),
    status: z.enum(["enabled", "disabled"]),
    disabledReason: z.string().nullable(),
    previousSecretExpiresAt: z.string().nullable().openapi({ description: "Until then, deliveries are signed with the previous secret too" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("WebhookEndpoint");
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

const Secret = z.string().openapi({ description: "The signing secret (Standard Webhooks, whsec_…): shown only here", example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" });

export const WebhookCreated = z.object({ data: WebhookEndpoint.extend({ secret: Secret }) }).openapi("WebhookCreated");
export const WebhookEnvelope = z.object({ data: WebhookEndpoint }).openapi("WebhookEndpointResponse");
export const WebhookPage = z.object({ data: z.array(WebhookEndpoint), meta: z.object({ nextCursor: z.string().nullable() }) }).openapi("WebhookEndpointPage");
export const WebhookDeleted = z.object({ data: z.object({ id: z.string(), deleted: z.literal(true) }) }).openapi("WebhookDeleted");
export const SecretRotated = z
  .object({ data: z.object({ secret: Secret, previousSecretExpiresAt: z.string() }) })
  .openapi("WebhookSecretRotated");

export const WebhookDelivery = z
  .object({
    id: z.string().openapi({ description: "The webhook-id header of every attempt", example: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W" }),
    eventType: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    responseStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .openapi("WebhookDelivery");
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
export const DeliveryEnvelope = z.object({ data: WebhookDelivery }).openapi("WebhookDeliveryResponse");
export const DeliveryPage = z.object({ data: z.array(WebhookDelivery), meta: z.object({ nextCursor: z.string().nullable() }) }).openapi("WebhookDeliveryPage");

export const WebhookIdParam = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, example: "we_V1StGXR8_Z5jdHi6B-myT" }),
});
export const DeliveryIdParam = WebhookIdParam.extend({
  deliveryId: z.string().min(1).max(64).openapi({ param: { name: "deliveryId", in: "path" }, example: "msg_V1StGXR8_Z5jdHi6B-myT" }),
});

export const LowBalanceThreshold = z
  .object({ threshold: z.number().int().min(0).max(1_000_000_000).nullable().openapi({ description: "null turns the event off", example: 500 }) })
  .openapi("LowBalanceThreshold");
export const LowBalanceThresholdEnvelope = z.object({ data: z.object({ lowBalanceThreshold: z.number().int().nullable() }) }).openapi("LowBalanceThresholdResponse");
