const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/**
 * A 21-character URL-safe random id (126 bits), the same shape as the
 * reference's job ids ("JgSluQxRQ_mkvwpsGIOny"). 64 symbols divide 256, so
 * masking a random byte keeps the distribution uniform.
 */
export function randomId(length = 21): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let id = "";
  for (const byte of bytes) id += ALPHABET[byte & 63];
  return id;
}

export function prefixedId(prefix: string): string {
  return `${prefix}_${randomId()}`;
}

/** Ledger transaction ids: "TX-" + the account's sequence number, zero-padded to five digits. */
export function transactionId(sequence: number): string {
  return `TX-${String(sequence).padStart(5, "0")}`;
}

export function parseTransactionId(id: string): number | null {
  const match = /^TX-(\d{5,})$/.exec(id);
  return match ? Number(match[1]) : null;
}
