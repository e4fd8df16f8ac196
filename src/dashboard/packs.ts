/**
 * Token packs offered under Wallet & Billing → Buy tokens. Prices are what
 * the shop's payment provider charges; the API only ever sees the tokens,
 * credited by the provider's webhook through POST /v1/admin/wallet-grants.
 */
export interface TokenPack {
  id: string;
  name: string;
  tokens: number;
  price: string;
  note: string;
}

export const TOKEN_PACKS: readonly TokenPack[] = [
  { id: "starter", name: "Starter", tokens: 1_000, price: "$10", note: "About 6 background removals" },
  { id: "studio", name: "Studio", tokens: 5_000, price: "$45", note: "About 33 background removals" },
  { id: "shop", name: "Shop", tokens: 20_000, price: "$160", note: "About 133 background removals" },
];
