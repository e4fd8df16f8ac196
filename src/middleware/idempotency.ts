import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../platform/env";
import { AppError, validationError } from "../platform/errors";
import { sha256Hex } from "../platform/encoding";
import { walletOf } from "../wallet/wallet";
import { scopedIdempotencyKey } from "../widgets/idempotency";

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

declare module "hono" {
  interface ContextVariableMap {
    /**
     * What the request's charge is keyed by in the wallet, set when it came
     * with an Idempotency-Key: one per use of the key (src/wallet/request-log.ts).
     */
    chargeKey?: string;
  }
}

/**
 * `Idempotency-Key` for charging POSTs (api-contract.md): within 24 h a
 * replay with the same key gets the first response (marked with
 * `Idempotent-Replayed: true`) and is not charged again. The key is bound to
 * the request's method, path and body; reusing it for another request is a
 * 409. Responses with a 5xx status are not kept, so a retry runs again,
 * and is charged afresh: the failed attempt's charge was refunded, and a
 * refunded charge is never reused.
 *
 * Must run after requireAccount (or requireService): keys are per account,
 * and a storefront widget's keys per shopper within it.
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const given = c.req.header("idempotency-key");
  if (given === undefined) return next();
  if (!KEY_PATTERN.test(given)) {
    throw validationError([{ path: "Idempotency-Key", message: "must be 1–255 visible ASCII characters" }]);
  }
  const key = scopedIdempotencyKey(given, c.var.widget)!;

  const body = await c.req.raw.clone().text();
  const fingerprint = await sha256Hex(`${c.req.method} ${new URL(c.req.url).pathname}\n${body}`);
  const wallet = walletOf(c.env, c.var.account.id);
  const begun = await wallet.beginRequest(key, fingerprint);
  switch (begun.state) {
    case "replay":
      return new Response(begun.body, {
        status: begun.status,
        headers: { "Content-Type": "application/json", "Idempotent-Replayed": "true", "X-Request-Id": c.var.requestId },
      });
    case "running":
      throw new AppError("CONFLICT", "A request with this Idempotency-Key is still being processed; retry shortly.", {
        headers: { "Retry-After": "1" },
      });
    case "mismatch":
      throw new AppError("CONFLICT", "This Idempotency-Key was already used for a different request.");
    case "started":
      c.set("chargeKey", begun.chargeKey);
      break;
  }

  try {
    await next();
  } catch (error) {
    await wallet.abandonRequest(key);
    throw error;
  }
  // Errors thrown by the handler are turned into responses by app.onError
  // before this point, so c.res is the final response either way.
  if (c.res.status >= 500) await wallet.abandonRequest(key);
  else await wallet.finishRequest(key, c.res.status, await c.res.clone().text());
});
