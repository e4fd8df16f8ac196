import { z } from "@hono/zod-openapi";
import { MAX_TOKENS_PER_ENTRY } from "../wallet/ledger";
import { BG_REMOVE_TOKENS } from "../pricing/prices";

/**
 * What a widget token can be scoped to. bg-remove, stickers and preflight imply
 * uploads (the widget sends the shopper's file first); dpi-score is the free
 * quick rating, the only service an origin of "*" can open.
 */
export const WIDGET_SERVICES = ["bg-remove", "preflight", "dpi-score", "stickers"] as const;
export type WidgetService = (typeof WIDGET_SERVICES)[number];

/** Widget tokens live 15 minutes unless asked otherwise, never more than an hour. */
export const DEFAULT_WIDGET_TOKEN_TTL_SECONDS = 15 * 60;
export const MAX_WIDGET_TOKEN_TTL_SECONDS = 60 * 60;
export const MIN_WIDGET_TOKEN_TTL_SECONDS = 60;

/**
 * What a widget token may spend when the shop does not say: three jobs of the
 * dearest service a widget can be charged for (background removal is the
 * only one). A leaked or scripted token then costs the shop little; a shop
 * that wants more asks for it (a larger capTokens, or null for no cap).
 */
export const DEFAULT_WIDGET_CAP_JOBS = 3;
export const DEFAULT_WIDGET_CAP_TOKENS = DEFAULT_WIDGET_CAP_JOBS * BG_REMOVE_TOKENS;

/** Enough for a shop's domains, staging and local development; a list is read on every browser request. */
export const MAX_ALLOWED_ORIGINS = 50;

export const AllowedOrigins = z
  .object({
    origins: z
      .array(z.string().min(1).max(300))
      .max(MAX_ALLOWED_ORIGINS)
      .openapi({ example: ["https://shop.example", "http://localhost:3000", "*"] }),
  })
  .openapi("AllowedOrigins");
export type AllowedOrigins = z.infer<typeof AllowedOrigins>;

export const AllowedOriginsEnvelope = z.object({ data: AllowedOrigins }).openapi("AllowedOriginsEnvelope");

/**
 * Request body of POST /v1/account/widget-tokens. Not a named component: generators such as
 * openapi-typescript make a named schema's defaulted fields required, which
 * a request need not send; inline in the operation they stay optional.
 */
export const MintWidgetToken = z
  .object({
    services: z
      .array(z.enum(WIDGET_SERVICES))
      .min(1)
      .max(WIDGET_SERVICES.length)
      .refine((list) => new Set(list).size === list.length, "must not repeat a service"),
    origin: z.string().min(1).max(300).openapi({ description: "The exact origin of the page the widget runs on, or \"*\" for a dpi-score-only token", example: "https://shop.example" }),
    ttlSeconds: z.number().int().min(MIN_WIDGET_TOKEN_TTL_SECONDS).max(MAX_WIDGET_TOKEN_TTL_SECONDS).default(DEFAULT_WIDGET_TOKEN_TTL_SECONDS),
    capTokens: z
      .number()
      .int()
      .min(0)
      .max(MAX_TOKENS_PER_ENTRY)
      .nullable()
      .default(DEFAULT_WIDGET_CAP_TOKENS)
      .openapi({
        description: `Most tokens this widget token may spend; a charge past it is a 402. Failed jobs give their tokens back to the cap. Omitted: ${DEFAULT_WIDGET_CAP_TOKENS} (${DEFAULT_WIDGET_CAP_JOBS} background removals); null: no cap.`,
      }),
    shopperRef: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x20-\x7e]+$/, "must be printable ASCII")
      .nullable()
      .default(null)
      .openapi({ description: "The shop's reference for the shopper (session or customer id); jobs are visible to tokens with the same reference" }),
  });
export type MintWidgetToken = z.infer<typeof MintWidgetToken>;

export const WidgetTokenInfo = z
  .object({
    tokenId: z.string(),
    origin: z.string(),
    services: z.array(z.enum(WIDGET_SERVICES)),
    capTokens: z.number().int().nullable(),
    shopperRef: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("WidgetTokenInfo");
export type WidgetTokenInfo = z.infer<typeof WidgetTokenInfo>;

export const MintedWidgetToken = z
  .object({
    data: WidgetTokenInfo.extend({
      token: z.string().openapi({ description: "Bearer token for the widget; accepted only from `origin`, only for `services`" }),
      tokenType: z.literal("widget"),
      expiresIn: z.number().int(),
    }),
  })
  .openapi("MintedWidgetToken");

export const WidgetTokenState = z
  .object({ data: WidgetTokenInfo.extend({ spentTokens: z.number().int() }) })
  .openapi("WidgetTokenState");

export const WidgetTokenIdParam = z.object({ tokenId: z.string().min(1).max(64) });
