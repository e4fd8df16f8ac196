import type { WidgetCaller } from "./tokens";

/**
 * Idempotency-Keys are kept per account, and a shop's shoppers all share
 * its account: a widget's key is therefore moved into its shopper's own
 * namespace (or its token's, without a shopper reference), so two shoppers
 * who happen to send the same key never get each other's answer or job.
 * The reference is URI-encoded so that no reference can end where another's
 * key begins.
 */
export function scopedIdempotencyKey(key: string | undefined, widget: WidgetCaller | undefined): string | undefined {
  if (key === undefined || widget === undefined) return key;
  return widget.shopperRef !== null ? `shopper:${encodeURIComponent(widget.shopperRef)}:${key}` : `widget:${widget.tokenId}:${key}`;
}
