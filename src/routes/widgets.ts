import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireAccount } from "../middleware/auth";
import type { AppEnv } from "../platform/env";
import { DEMO_BUILD, DEMO_CSS, DEMO_JS, renderDemoPage } from "../widgets/demo";
import { parseOrigins, readAllowedOrigins, replaceAllowedOrigins } from "../widgets/origins";
import { AllowedOrigins, AllowedOriginsEnvelope, MintedWidgetToken, MintWidgetToken, WidgetTokenIdParam, WidgetTokenInfo, WidgetTokenState } from "../widgets/schemas";
import { WIDGET_BUILD, WIDGET_JS } from "../widgets/script";
import { describeWidgetToken, mintWidgetToken, revokeWidgetToken } from "../widgets/tokens";
import { bearerAuth, bearerErrors, createRouter, jsonBody, jsonBodyErrors, pathErrors } from "./openapi";

/**
 * Storefront widgets: the account's allowed origins and widget tokens
 * (account access token only; a widget token gets 403 here), and the widget
 * script and demo page themselves.
 */
export const widgetRoutes = createRouter();

const TAG = ["Storefront widgets"];
const selfOrigin = (c: Context<AppEnv>) => new URL(c.req.url).origin;

widgetRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/account/allowed-origins",
    tags: TAG,
    summary: "Origins whose pages may call the services",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    responses: {
      200: { description: "The list", content: { "application/json": { schema: AllowedOriginsEnvelope } } },
      ...bearerErrors,
    },
  }),
  async (c) => c.json({ data: { origins: await readAllowedOrigins(c.env, c.var.account.id) } }, 200),
);

widgetRoutes.openapi(
  createRoute({
    method: "put",
    path: "/v1/account/allowed-origins",
    tags: TAG,
    summary: "Replace the allowed origins",
    description:
      'Exact origins as browsers send them (https://shop.example, http://localhost:3000), at most 50. No wildcards, except "*" on its own, which lets any page use the free quick DPI score. Removing an origin stops its widget tokens at once.',
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { body: jsonBody(AllowedOrigins) },
    responses: {
      200: { description: "The new list", content: { "application/json": { schema: AllowedOriginsEnvelope } } },
      ...jsonBodyErrors,
      ...bearerErrors,
    },
  }),
  async (c) => {
    const origins = parseOrigins(c.req.valid("json").origins);
    return c.json({ data: { origins: await replaceAllowedOrigins(c.env, c.var.account.id, origins) } }, 200);
  },
);

widgetRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/account/widget-tokens",
    tags: TAG,
    summary: "Mint a widget token for a storefront page",
    description:
      "Called by the shop's server, never by a page. The token works only from `origin`, only for `services` (bg-remove and preflight include uploads), until it expires (default 15 min, at most 1 h), and stops charging at `capTokens` (default: three background removals' worth; null for no cap).",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { body: jsonBody(MintWidgetToken) },
    responses: {
      201: { description: "The token", content: { "application/json": { schema: MintedWidgetToken } } },
      ...jsonBodyErrors,
      ...bearerErrors,
    },
  }),
  async (c) => c.json({ data: await mintWidgetToken(c.env, c.var.account.id, selfOrigin(c), c.req.valid("json")) }, 201),
);

widgetRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/account/widget-tokens/{tokenId}",
    tags: TAG,
    summary: "A widget token and what it has spent",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { params: WidgetTokenIdParam },
    responses: {
      200: { description: "The token (without its secret)", content: { "application/json": { schema: WidgetTokenState } } },
      ...pathErrors,
      ...bearerErrors,
    },
  }),
  async (c) => c.json({ data: await describeWidgetToken(c.env, c.var.account.id, c.req.valid("param").tokenId) }, 200),
);

widgetRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/account/widget-tokens/{tokenId}",
    tags: TAG,
    summary: "Revoke a widget token",
    description: "Every later request with the token is a 401. Jobs it started finish, and stay visible to the account.",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { params: WidgetTokenIdParam },
    responses: {
      200: { description: "Revoked", content: { "application/json": { schema: z.object({ data: WidgetTokenInfo }) } } },
      ...pathErrors,
      ...bearerErrors,
    },
  }),
  async (c) => c.json({ data: await revokeWidgetToken(c.env, c.var.account.id, c.req.valid("param").tokenId) }, 200),
);

// ---- the script and the demo page (not part of the OpenAPI document) --------

/**
 * /widget/v1.js is what shops link to: cached for an hour by browsers and a
 * day by shared caches, then revalidated by ETag, so a deploy reaches every
 * shop within the hour. `?v=<build>` links (the demo page's) never change and
 * are cached for a year. Any origin may load it, also with crossorigin /
 * Subresource Integrity.
 */
widgetRoutes.get("/widget/v1.js", (c) => {
  const etag = `"${WIDGET_BUILD}"`;
  const pinned = c.req.query("v") === WIDGET_BUILD;
  const headers: Record<string, string> = {
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": pinned ? "public, max-age=31536000, immutable" : "public, max-age=3600, s-maxage=86400, stale-while-revalidate=86400",
    ETag: etag,
    "Access-Control-Allow-Origin": "*",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "X-Content-Type-Options": "nosniff",
  };
  if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
  return c.body(WIDGET_JS, 200, headers);
});

/** Like the dashboard's: only this origin may supply anything; the widgets need no inline code either. */
const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

widgetRoutes.get("/widget/demo", (c) => {
  c.header("Content-Security-Policy", DEMO_CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Cache-Control", "no-cache");
  const url = new URL(c.req.url);
  return c.html(renderDemoPage({ origin: url.origin, local: LOOPBACK_HOSTS.has(url.hostname) }));
});

function demoAsset(body: string, contentType: string) {
  return (c: Context<AppEnv>) =>
    c.body(body, 200, {
      "Content-Type": contentType,
      "Cache-Control": c.req.query("v") === DEMO_BUILD ? "public, max-age=31536000, immutable" : "no-cache",
      "X-Content-Type-Options": "nosniff",
    });
}

widgetRoutes.get("/widget/demo.js", demoAsset(DEMO_JS, "text/javascript; charset=utf-8"));
widgetRoutes.get("/widget/demo.css", demoAsset(DEMO_CSS, "text/css; charset=utf-8"));
