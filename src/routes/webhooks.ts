import { createRoute } from "@hono/zod-openapi";
import { requireAccount } from "../middleware/auth";
import { listDeliveries, retryDelivery, toDelivery } from "../webhooks/deliver";
import { queueDelivery } from "../webhooks/outbox";
import { createEndpoint, deleteEndpoint, findEndpointRow, listEndpoints, rotateSecret, toEndpoint, updateEndpoint } from "../webhooks/endpoints";
import { eventBody } from "../webhooks/events";
import {
  CreateWebhook,
  DeliveryEnvelope,
  DeliveryIdParam,
  DeliveryPage,
  SecretRotated,
  TEST_EVENT_TYPE,
  UpdateWebhook,
  WebhookCreated,
  WebhookDeleted,
  WebhookEnvelope,
  WebhookIdParam,
  WebhookPage,
} from "../webhooks/schemas";
import { PageQuery } from "../platform/pagination";
import { bearerAuth, bearerErrors, createRouter, errorResponses, jsonBody, jsonBodyErrors, pathErrors } from "./openapi";

// Webhook endpoints belong to the account: its access token only (a widget
// token is refused with 403 by requireAccount).
export const webhookRoutes = createRouter();
const TAG = ["Webhooks"];
const auth = { security: bearerAuth, middleware: requireAccount };

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/webhooks",
    tags: TAG,
    summary: "Register a webhook endpoint",
    description:
      "Events are delivered as Standard Webhooks: POST with webhook-id, webhook-timestamp and webhook-signature (HMAC-SHA256 of `id.timestamp.body` with the secret). The secret is shown only in this response. The URL follows the same policy as image URLs: no private or loopback targets.",
    ...auth,
    request: { body: jsonBody(CreateWebhook) },
    responses: { 201: { description: "The endpoint and its signing secret", content: { "application/json": { schema: WebhookCreated } } }, ...jsonBodyErrors, 409: errorResponses[409], ...bearerErrors },
  }),
  async (c) => c.json({ data: await createEndpoint(c.env, c.var.account.id, new URL(c.req.url).origin, c.req.valid("json")) }, 201),
);

webhookRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/webhooks",
    tags: TAG,
    summary: "List webhook endpoints",
    ...auth,
    request: { query: PageQuery },
    responses: { 200: { description: "Endpoints, newest first", content: { "application/json": { schema: WebhookPage } } }, 400: errorResponses[400], ...bearerErrors },
  }),
  async (c) => c.json(await listEndpoints(c.env, c.var.account.id, c.req.valid("query")), 200),
);

webhookRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/webhooks/{id}",
    tags: TAG,
    summary: "Get a webhook endpoint",
    ...auth,
    request: { params: WebhookIdParam },
    responses: { 200: { description: "The endpoint", content: { "application/json": { schema: WebhookEnvelope } } }, ...pathErrors, ...bearerErrors },
  }),
  async (c) => c.json({ data: toEndpoint(await findEndpointRow(c.env, c.var.account.id, c.req.valid("param").id)) }, 200),
);

webhookRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/v1/webhooks/{id}",
    tags: TAG,
    summary: "Change a webhook endpoint",
    description: "`enabled: true` re-enables an endpoint that was disabled (after 410 Gone, or 5 days of failures).",
    ...auth,
    request: { params: WebhookIdParam, body: jsonBody(UpdateWebhook) },
    responses: { 200: { description: "The endpoint", content: { "application/json": { schema: WebhookEnvelope } } }, ...jsonBodyErrors, ...pathErrors, ...bearerErrors },
  }),
  async (c) => c.json({ data: await updateEndpoint(c.env, c.var.account.id, c.req.valid("param").id, c.req.valid("json")) }, 200),
);

webhookRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/webhooks/{id}",
    tags: TAG,
    summary: "Delete a webhook endpoint and its delivery log",
    ...auth,
    request: { params: WebhookIdParam },
    responses: { 200: { description: "Deleted", content: { "application/json": { schema: WebhookDeleted } } }, ...pathErrors, ...bearerErrors },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await deleteEndpoint(c.env, c.var.account.id, id);
    return c.json({ data: { id, deleted: true as const } }, 200);
  },
);

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/webhooks/{id}/rotate-secret",
    tags: TAG,
    summary: "Rotate the signing secret",
    description: "For 24 hours every delivery carries two signatures, one per secret, so a receiver can switch without missing one.",
    ...auth,
    request: { params: WebhookIdParam },
    responses: { 200: { description: "The new secret", content: { "application/json": { schema: SecretRotated } } }, ...pathErrors, ...bearerErrors },
  }),
  async (c) => c.json({ data: await rotateSecret(c.env, c.var.account.id, c.req.valid("param").id) }, 200),
);

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/webhooks/{id}/test",
    tags: TAG,
    summary: "Send a test event",
    description: `Delivers a \`${TEST_EVENT_TYPE}\` event to the endpoint, whatever it subscribed to, with the same signing and retries as real events.`,
    ...auth,
    request: { params: WebhookIdParam },
    responses: { 202: { description: "The delivery, queued", content: { "application/json": { schema: DeliveryEnvelope } } }, ...pathErrors, ...bearerErrors },
  }),
  async (c) => {
    const endpoint = await findEndpointRow(c.env, c.var.account.id, c.req.valid("param").id);
    const at = new Date().toISOString();
    const payload = eventBody(TEST_EVENT_TYPE, { webhookId: endpoint.id, message: "A test event from the Printcart AI Services API." }, at);
    return c.json({ data: toDelivery(await queueDelivery(c.env, endpoint, TEST_EVENT_TYPE, at, { payload })) }, 202);
  },
);

webhookRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/webhooks/{id}/deliveries",
    tags: TAG,
    summary: "The endpoint's delivery log",
    description: "Newest first: each event sent to the endpoint with its status, attempts, last response code and next retry.",
    ...auth,
    request: { params: WebhookIdParam, query: PageQuery },
    responses: { 200: { description: "Deliveries", content: { "application/json": { schema: DeliveryPage } } }, ...pathErrors, ...bearerErrors },
  }),
  async (c) => c.json(await listDeliveries(c.env, c.var.account.id, c.req.valid("param").id, c.req.valid("query")), 200),
);

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/webhooks/{id}/deliveries/{deliveryId}/retry",
    tags: TAG,
    summary: "Send a delivery again now",
    ...auth,
    request: { params: DeliveryIdParam },
    responses: { 202: { description: "The delivery, queued again", content: { "application/json": { schema: DeliveryEnvelope } } }, ...pathErrors, ...bearerErrors },
  }),
  async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    return c.json({ data: await retryDelivery(c.env, c.var.account.id, id, deliveryId) }, 202);
  },
);
