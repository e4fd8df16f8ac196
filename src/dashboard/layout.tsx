/** @jsxImportSource hono/jsx */
import type { Child, FC, PropsWithChildren } from "hono/jsx";
import { ASSET_VERSION } from "./assets";
import { BG_REMOVE_TOKENS, FIX_TYPE_TOKENS } from "../pricing/prices";

export type PageName = "login" | "signup" | "overview" | "bg-remove" | "stickers" | "preflight" | "upscale" | "usage" | "wallet" | "not-found";

/** Prices reach the client script as data, so labels and estimates come from the same table as the API's charges. */
const CLIENT_CONFIG = JSON.stringify({ prices: { bgRemove: BG_REMOVE_TOKENS, fixes: FIX_TYPE_TOKENS } });

const NAV: { href: string; label: string; page: PageName }[] = [
  { href: "/dashboard", label: "Overview", page: "overview" },
  { href: "/dashboard/bg-remove", label: "Background Removal", page: "bg-remove" },
  { href: "/dashboard/stickers", label: "Stickers", page: "stickers" },
  { href: "/dashboard/preflight", label: "Preflight AI", page: "preflight" },
  { href: "/dashboard/upscale", label: "Image Upscale", page: "upscale" },
];

const Document: FC<PropsWithChildren<{ title: string; page: PageName }>> = ({ title, page, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · Printcart Dashboard`}</title>
      <link rel="icon" type="image/svg+xml" href={`/dashboard/assets/icon.svg?v=${ASSET_VERSION}`} />
      <link rel="stylesheet" href={`/dashboard/assets/app.css?v=${ASSET_VERSION}`} />
      {/* Not deferred: it sends a logged-out visitor to the login page before anything is drawn. */}
      <script src={`/dashboard/assets/app.js?v=${ASSET_VERSION}`}></script>
    </head>
    <body data-page={page} data-config={CLIENT_CONFIG}>
      {children}
    </body>
  </html>
);

const NavLink: FC<{ href: string; label: string; current: boolean }> = ({ href, label, current }) => (
  <li>
    <a href={href} aria-current={current ? "page" : undefined}>
      {label}
    </a>
  </li>
);

/** The signed-in frame: navigation, balance, logout, then the page. */
export const AppPage: FC<PropsWithChildren<{ title: string; page: PageName; heading?: Child; lead?: Child }>> = ({
  title,
  page,
  heading,
  lead,
  children,
}) => (
  <Document title={title} page={page}>
    <a class="skip-link" href="#main">
      Skip to content
    </a>
    <div class="app">
      <nav class="sidebar" aria-label="Dashboard">
        <a class="brand" href="/dashboard">
          Printcart <span>Dashboard</span>
        </a>
        <p class="nav-heading" id="nav-services">
          API Services
        </p>
        <ul aria-labelledby="nav-services">
          {NAV.map((item) => (
            <NavLink href={item.href} label={item.label} current={item.page === page} />
          ))}
        </ul>
        <p class="nav-heading" id="nav-account">
          Account
        </p>
        <ul aria-labelledby="nav-account">
          <NavLink href="/dashboard/usage" label="Usage" current={page === "usage"} />
          <NavLink href="/dashboard/wallet" label="Wallet & Billing" current={page === "wallet"} />
        </ul>
      </nav>
      <div class="content">
        <header class="topbar">
          <span class="who">
            Signed in as <strong data-bind="email">…</strong>
          </span>
          <a class="balance-chip" href="/dashboard/wallet">
            <span data-bind="balance">…</span> tokens
          </a>
          <button type="button" class="button secondary small" data-action="logout">
            Log out
          </button>
        </header>
        <main id="main" tabindex={-1}>
          <h1>{heading ?? title}</h1>
          {lead ? <p class="lead">{lead}</p> : null}
          {children}
        </main>
      </div>
    </div>
  </Document>
);

/** Login and sign-up: no navigation, one card. */
export const AuthPage: FC<PropsWithChildren<{ title: string; page: PageName }>> = ({ title, page, children }) => (
  <Document title={title} page={page}>
    <main id="main" class="auth" tabindex={-1}>
      <p class="brand">
        Printcart <span>Dashboard</span>
      </p>
      <div class="card">
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  </Document>
);
