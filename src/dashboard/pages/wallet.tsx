/** @jsxImportSource hono/jsx */
import { Errors } from "../components";
import { AppPage } from "../layout";
import { TOKEN_PACKS } from "../packs";

export type WalletTab = "transactions" | "buy";

const Transactions = () => (
  <section aria-labelledby="tx-heading">
    <h2 id="tx-heading" class="visually-hidden">
      Transactions
    </h2>
    <form id="tx-filter">
      <div class="field">
        <label for="tx-service">Service</label>
        <select id="tx-service" name="service">
          <option value="">All services</option>
          <option value="bg-remove">Background Removal</option>
          <option value="stickers">Stickers</option>
          <option value="preflight-ai-fix">AI fixes and upscales</option>
        </select>
      </div>
    </form>
    <div id="tx-table" class="table-wrap" aria-live="polite">
      <p class="hint">Loading…</p>
    </div>
    <div class="pager">
      <button type="button" class="button secondary small" id="tx-newer" disabled>
        ← Newer
      </button>
      <button type="button" class="button secondary small" id="tx-older" disabled>
        Older →
      </button>
      <span id="tx-page" class="hint"></span>
    </div>
  </section>
);

const grantExample = (origin: string) => `// On your server, in the payment provider's webhook handler. Never in the browser.
app.post("/webhooks/payments", async (req, res) => {
  const event = provider.verifyWebhook(req);          // reject forged calls
  if (event.type !== "payment.succeeded") return res.sendStatus(200);
  const grant = await fetch("${origin}/v1/admin/wallet-grants", {
    method: "POST",
    headers: {
      "X-Admin-Key": process.env.ADMIN_API_KEY,        // a server secret
      "Content-Type": "application/json",
    },
    body: JSON.stringify({
      email: event.customerEmail,
      tokens: event.metadata.tokens,                  // e.g. 5000 for the Studio pack
      reason: "token pack " + event.metadata.pack,
      idempotencyKey: event.paymentId,                // a retried webhook credits once
    }),
  });
  res.sendStatus(grant.ok ? 200 : 500);               // a 5xx makes the provider retry
});`;

const BuyTokens = ({ origin }: { origin: string }) => (
  <section aria-labelledby="buy-heading">
    <h2 id="buy-heading">Buy tokens</h2>
    <p class="lead">Tokens never expire. Pick a pack; the tokens are in your wallet as soon as the payment goes through.</p>
    <ul class="packs">
      {TOKEN_PACKS.map((pack) => (
        <li class="pack">
          <h3>{pack.name}</h3>
          <span class="tokens">{pack.tokens.toLocaleString("en-US")} tokens</span>
          <span class="price">{pack.price}</span>
          <span class="hint">{pack.note}</span>
          <button type="button" class="button" data-buy={String(pack.tokens)} data-pack={pack.name}>
            Buy {pack.name}
          </button>
        </li>
      ))}
    </ul>
    <div id="buy-notice" role="status"></div>

    <section class="card" aria-labelledby="how-heading">
      <h3 id="how-heading">How a purchase reaches your wallet</h3>
      <ol>
        <li>You pay for a pack at the payment provider's checkout.</li>
        <li>The provider calls your webhook handler, a small endpoint on your own server.</li>
        <li>
          The handler checks the provider's signature and calls <code>POST /v1/admin/wallet-grants</code> with the admin key, which it keeps as a server
          secret. The provider's payment id is the <code>idempotencyKey</code>, so a webhook delivered twice credits once.
        </li>
        <li>
          The tokens appear under Transactions as <em>Tokens added</em>.
        </li>
      </ol>
      <p>
        The admin key never reaches a browser: this dashboard only holds your own access token, which cannot add tokens.
      </p>
      <pre>
        <code>{grantExample(origin)}</code>
      </pre>
      <p>An operator can credit a pack by hand the same way:</p>
      <pre>
        <code>
          {`curl -X POST ${origin}/v1/admin/wallet-grants \\
  -H "X-Admin-Key: $ADMIN_API_KEY" -H "Content-Type: application/json" \\
  -d '{"email":"`}
          <span data-bind="email">you@example.com</span>
          {`","tokens":`}
          <span id="buy-tokens">5000</span>
          {`,"reason":"token pack","idempotencyKey":"order-1001"}'`}
        </code>
      </pre>
      <div class="actions">
        <button type="button" class="button secondary" data-action="refresh-balance">
          Refresh balance
        </button>
      </div>
    </section>
  </section>
);

export const WalletPage = ({ tab, origin }: { tab: WalletTab; origin: string }) => (
  <AppPage title="Wallet & Billing" page="wallet">
    <Errors id="errors" />
    <div class="grid">
      <section class="card" aria-labelledby="wallet-balance-heading">
        <h2 id="wallet-balance-heading">Balance</h2>
        <p class="stat" id="balance-available">
          …
        </p>
        <p class="stat-label">
          tokens available · <span id="balance-held">0</span> on hold for running jobs
        </p>
      </section>
    </div>
    <nav class="tabs" aria-label="Wallet and billing">
      <a href="/dashboard/wallet" aria-current={tab === "transactions" ? "page" : undefined}>
        Transactions
      </a>
      <a href="/dashboard/wallet?tab=buy" aria-current={tab === "buy" ? "page" : undefined}>
        Buy tokens
      </a>
    </nav>
    {tab === "buy" ? <BuyTokens origin={origin} /> : <Transactions />}
  </AppPage>
);
