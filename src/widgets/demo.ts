import { STICKER_BASE_TOKENS, STICKER_MAX_TOKENS } from "../pricing/prices";
import { fnv1a, WIDGET_BUILD } from "./script";

/**
 * /widget/demo: the four widgets on one page, served by the API itself.
 * A real shop page gets its widget tokens from the shop's server; this page
 * has no server of its own, so its script plays that part in the tab (it
 * logs in with the shop's account and mints widget tokens, like the token endpoint
 * of docs/widgets.md does). That is fine here only because this page is on the
 * API's own origin, like the dashboard: a shop's pages never see the
 * account's access token.
 */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function renderDemoPage(opts: { origin: string; local: boolean }): string {
  const snippet = `<script src="${opts.origin}/widget/v1.js" defer></script>

<printcart-bg-remove token-endpoint="/printcart/widget-token" subject-type="product"></printcart-bg-remove>

<script>
  document.addEventListener("printcart:completed", (e) => console.log(e.detail));
</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Storefront widgets demo · Printcart</title>
<link rel="stylesheet" href="/widget/demo.css?v=${DEMO_BUILD}">
<script src="/widget/v1.js?v=${WIDGET_BUILD}" defer></script>
<script src="/widget/demo.js?v=${DEMO_BUILD}" defer></script>
</head>
<body data-local="${opts.local ? "1" : "0"}">
<main>
<h1>Storefront widgets</h1>
<p>Four custom elements from <code>/widget/v1.js</code> that a shop puts on its product pages. Each asks the shop's own server for a short-lived widget token, then calls the API straight from the shopper's browser.</p>

<section aria-labelledby="backend-title" class="backend">
<h2 id="backend-title">The shop's server</h2>
<p>On a shop, this part runs on the shop's server (see the project's docs/widgets.md, <em>Storefront widgets</em>). Here the page does it in this tab: it logs in with the account below and mints a 15-minute widget token for each widget, capped at 600 tokens.</p>
<form id="shop" autocomplete="off">
<label>Account email <input name="email" type="email" required></label>
<label>Password <input name="password" type="password" required></label>
</form>
<p id="shop-status" role="status" aria-live="polite"></p>
</section>

<section aria-labelledby="dpi-title">
<h2 id="dpi-title">Quick DPI check</h2>
<label>Print size
<select id="size">
<option value="8x10">8 × 10 in</option>
<option value="16x20">16 × 20 in</option>
<option value="24x36" selected>24 × 36 in</option>
<option value="40x60">40 × 60 in</option>
</select></label>
<printcart-dpi-check canvas-width="24" canvas-height="36" product-type="poster"></printcart-dpi-check>
</section>

<section aria-labelledby="bg-title">
<h2 id="bg-title">Background removal <small>(150 tokens)</small></h2>
<printcart-bg-remove subject-type="auto"></printcart-bg-remove>
</section>

<section aria-labelledby="stk-title">
<h2 id="stk-title">Die-cut sticker <small>(${STICKER_BASE_TOKENS} tokens for artwork with its own transparency, ${STICKER_MAX_TOKENS} otherwise)</small></h2>
<printcart-sticker size-inches="3" border-mm="2" bleed-mm="1.5"></printcart-sticker>
</section>

<section aria-labelledby="pf-title">
<h2 id="pf-title">Print file check</h2>
<printcart-preflight product-type="poster" canvas-width="24" canvas-height="36"></printcart-preflight>
</section>

<section aria-labelledby="events-title">
<h2 id="events-title">Events</h2>
<ol id="events" aria-live="polite"></ol>
</section>

<section aria-labelledby="embed-title">
<h2 id="embed-title">Embed it</h2>
<pre><code>${escapeHtml(snippet)}</code></pre>
</section>
</main>
</body>
</html>`;
}

export const DEMO_CSS = String.raw`
:root{color-scheme:light;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;background:#f8fafc}
main{max-width:52rem;margin:0 auto;padding:1.5rem 1rem 4rem}
h1{margin:.2em 0}
section{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:1rem 1.25rem;margin:1rem 0}
h2{font-size:1.15rem;margin:.1em 0 .6em}
label{display:inline-flex;flex-direction:column;gap:.2em;margin:0 1em .6em 0;font-weight:600}
input,select{font:inherit;padding:.35em .5em;border:1px solid #94a3b8;border-radius:6px}
input:focus-visible,select:focus-visible{outline:3px solid #f59e0b;outline-offset:1px}
pre{background:#0f172a;color:#e2e8f0;padding:1em;border-radius:8px;overflow:auto;font-size:.85rem}
#events{font-family:ui-monospace,monospace;font-size:.85rem}
.backend{background:#eff6ff}
printcart-dpi-check,printcart-bg-remove,printcart-sticker,printcart-preflight{margin:0}
`;

export const DEMO_JS = String.raw`(function () {
"use strict";
var form = document.getElementById("shop");
var status = document.getElementById("shop-status");
var accessToken = null;

if (document.body.dataset.local === "1") {
  // The demo account of npm run dev; only offered on a local address.
  form.email.value = "demo@example.com";
  form.password.value = "Demo-pass-1";
}
form.addEventListener("input", function () { accessToken = null; });
form.addEventListener("submit", function (e) { e.preventDefault(); });

function post(path, body, token) {
  var headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  return fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body) }).then(function (res) {
    return res.json().then(function (json) {
      if (!res.ok) throw new Error(json.message || "HTTP " + res.status);
      return json;
    });
  });
}

function login() {
  if (accessToken) return Promise.resolve(accessToken);
  status.textContent = "Logging in as " + form.email.value + "…";
  return post("/v1/account/login", { email: form.email.value, password: form.password.value }).then(function (r) {
    accessToken = r.access_token;
    return accessToken;
  });
}

// What the shop's token endpoint does, in this tab.
function mint(services) {
  return login()
    .then(function (token) {
      return post("/v1/account/widget-tokens", { services: services, origin: location.origin, ttlSeconds: 900, capTokens: 600, shopperRef: "demo-shopper" }, token);
    })
    .then(function (r) {
      status.textContent = "Minted a widget token for " + services.join(", ") + " (expires " + new Date(r.data.expiresAt).toLocaleTimeString() + ").";
      return r.data;
    }, function (err) {
      status.textContent = "The shop's server could not mint a token: " + err.message;
      throw err;
    });
}

document.querySelectorAll("printcart-dpi-check, printcart-bg-remove, printcart-sticker, printcart-preflight").forEach(function (el) {
  el.tokenProvider = mint;
});

var dpi = document.querySelector("printcart-dpi-check");
var pf = document.querySelector("printcart-preflight");
document.getElementById("size").addEventListener("change", function (e) {
  var wh = e.target.value.split("x");
  [dpi, pf].forEach(function (el) {
    el.setAttribute("canvas-width", wh[0]);
    el.setAttribute("canvas-height", wh[1]);
  });
});

var log = document.getElementById("events");
["printcart:completed", "printcart:failed"].forEach(function (type) {
  document.addEventListener(type, function (e) {
    var li = document.createElement("li");
    var d = e.detail || {};
    li.textContent = e.target.tagName.toLowerCase() + " → " + type + " " + (d.jobId || d.reportId || (d.score ? d.score.label : "") || d.message || "");
    log.prepend(li);
  });
});
})();
`;

/** Version of the demo's own files, for their immutable ?v= links. */
export const DEMO_BUILD = fnv1a(DEMO_JS + DEMO_CSS + WIDGET_BUILD);
