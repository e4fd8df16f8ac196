/** @jsxImportSource hono/jsx */
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import { LoginPage, SignupPage } from "./pages/auth";
import { BgRemovePage } from "./pages/bg-remove";
import { NotFoundPage } from "./pages/not-found";
import { OverviewPage } from "./pages/overview";
import { PreflightPage } from "./pages/preflight";
import { StickersPage } from "./pages/stickers";
import { UpscalePage } from "./pages/upscale";
import { UsagePage } from "./pages/usage";
import { WalletPage, type WalletTab } from "./pages/wallet";

export type { WalletTab };

export interface PageContext {
  /** This deployment's origin, for the code samples. */
  origin: string;
  /** Loopback hosts are local development: the login page may offer the demo account there. */
  local: boolean;
  walletTab: WalletTab;
}

const PAGES = {
  login: (ctx: PageContext) => <LoginPage showDemo={ctx.local} />,
  signup: () => <SignupPage />,
  overview: () => <OverviewPage />,
  "bg-remove": () => <BgRemovePage />,
  stickers: () => <StickersPage />,
  preflight: () => <PreflightPage />,
  upscale: () => <UpscalePage />,
  usage: () => <UsagePage />,
  wallet: (ctx: PageContext) => <WalletPage tab={ctx.walletTab} origin={ctx.origin} />,
  "not-found": () => <NotFoundPage />,
} satisfies Record<string, (ctx: PageContext) => Child>;

export type DashboardPage = keyof typeof PAGES;

export function renderPage(page: DashboardPage, ctx: PageContext) {
  return html`<!doctype html>${PAGES[page](ctx)}`;
}
