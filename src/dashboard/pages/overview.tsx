/** @jsxImportSource hono/jsx */
import { BG_REMOVE_TOKENS, FIX_TYPE_TOKENS, STICKER_BASE_TOKENS, STICKER_MAX_TOKENS } from "../../pricing/prices";
import { Errors } from "../components";
import { AppPage } from "../layout";

const SERVICES = [
  { href: "/dashboard/bg-remove", name: "Background Removal", price: `${BG_REMOVE_TOKENS} tokens per image` },
  { href: "/dashboard/stickers", name: "Stickers", price: `${STICKER_BASE_TOKENS} tokens, ${STICKER_MAX_TOKENS} when the background is removed` },
  { href: "/dashboard/preflight", name: "Preflight AI", price: "Quick DPI and full checks: free; fixes from their price" },
  {
    href: "/dashboard/upscale",
    name: "Image Upscale",
    price: `2×: ${FIX_TYPE_TOKENS.upscale_resolution_2x} tokens, 4×: ${FIX_TYPE_TOKENS.upscale_resolution_4x} tokens`,
  },
];

export const OverviewPage = () => (
  <AppPage
    title="API Services"
    page="overview"
    lead="Try every service without writing code, and see where your tokens went. Everything here uses the same API your shop calls."
  >
    <Errors id="errors" />
    <div class="grid">
      <section class="card" aria-labelledby="balance-heading">
        <h2 id="balance-heading">Balance</h2>
        <p class="stat" id="balance-available">
          …
        </p>
        <p class="stat-label">
          tokens available · <span id="balance-held">0</span> on hold for running jobs
        </p>
        <div class="actions">
          <a class="button" href="/dashboard/wallet?tab=buy">
            Buy tokens
          </a>
          <a class="button secondary" href="/dashboard/wallet">
            Transactions
          </a>
        </div>
      </section>
      <section class="card" aria-labelledby="spent-heading">
        <h2 id="spent-heading">Used in the last 14 days</h2>
        <p class="stat" id="spent-total">
          …
        </p>
        <p class="stat-label">tokens, after refunds of failed jobs</p>
      </section>
    </div>

    <section class="card" aria-labelledby="services-heading">
      <h2 id="services-heading">Services</h2>
      <ul class="service-list">
        {SERVICES.map((s) => (
          <li>
            <a href={s.href}>
              <strong>{s.name}</strong>
              <span>{s.price}</span>
            </a>
          </li>
        ))}
      </ul>
    </section>

    <section class="card" aria-labelledby="usage-heading">
      <h2 id="usage-heading">Tokens used per service, last 14 days</h2>
      <div id="usage">
        <p class="hint">Loading…</p>
      </div>
    </section>

    <section class="card" aria-labelledby="jobs-heading">
      <h2 id="jobs-heading">Recent jobs</h2>
      <div id="recent-jobs">
        <p class="hint">Loading…</p>
      </div>
    </section>
  </AppPage>
);
