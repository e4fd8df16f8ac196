/**
 * Transaction ids count the shop's wallet movements; a shopper's widget has
 * no business knowing that, so it gets the field empty.
 */
export function forCaller<T extends { wallet_transaction_id: string }>(view: T, widget: unknown): T {
  return widget ? { ...view, wallet_transaction_id: "" } : view;
}
