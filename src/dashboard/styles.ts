/**
 * The dashboard's whole stylesheet. System fonts only: the CSP allows
 * nothing from other origins, and shops on slow connections get text at once.
 * Colours are checked against WCAG AA (4.5:1 for text, 3:1 for focus rings).
 */
export const DASHBOARD_CSS = String.raw`
:root {
  --ink: #1a1f2b;
  --muted: #4b5563;
  --line: #d0d5dd;
  --page: #f5f6f8;
  --card: #ffffff;
  --brand: #1d4ed8;
  --brand-dark: #1e3a8a;
  --nav: #16213a;
  --nav-ink: #e6eaf2;
  --focus: #b45309;
  --ok: #067647;
  --ok-bg: #ecfdf3;
  --warn: #93370d;
  --warn-bg: #fffaeb;
  --bad: #b42318;
  --bad-bg: #fef3f2;
  --radius: 8px;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body {
  margin: 0;
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink);
  background: var(--page);
}
h1, h2, h3 { line-height: 1.25; margin: 0 0 .75rem; }
* + h3 { margin-top: 1.25rem; }
h1 { font-size: 1.6rem; }
h2 { font-size: 1.2rem; }
h3 { font-size: 1.05rem; }
p { margin: 0 0 .75rem; }
a { color: var(--brand); }
a:hover { color: var(--brand-dark); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .875rem; }
pre { background: #0f172a; color: #e2e8f0; padding: 1rem; border-radius: var(--radius); overflow-x: auto; }
[hidden] { display: none !important; }
figure { margin: 1rem 0; }
figcaption { font-weight: 600; margin-bottom: .4rem; }

/* Focus is always visible, and differs from hover so keyboard users can find it. */
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
/* The light ring for the dark navigation: 3:1 against its background, as against white for the dark one. */
.sidebar :focus-visible { outline-color: #fbbf24; }
main:focus { outline: none; }

.skip-link {
  position: absolute; left: .5rem; top: -3rem; z-index: 10;
  background: var(--card); color: var(--brand); padding: .5rem 1rem; border-radius: var(--radius);
}
.skip-link:focus { top: .5rem; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}

/* Layout */
.app { display: grid; grid-template-columns: 15rem 1fr; min-height: 100vh; }
.sidebar { background: var(--nav); color: var(--nav-ink); padding: 1.25rem 1rem; }
.brand { display: block; color: #fff; font-weight: 700; font-size: 1.2rem; text-decoration: none; margin-bottom: 1.5rem; }
.brand span { font-weight: 400; color: var(--nav-ink); }
.nav-heading { text-transform: uppercase; letter-spacing: .06em; font-size: .75rem; color: #b8c2d6; margin: 1rem 0 .35rem; }
.sidebar ul { list-style: none; margin: 0; padding: 0; }
.sidebar a:not(.brand) {
  display: block; color: var(--nav-ink); text-decoration: none; padding: .45rem .75rem; border-radius: 6px;
}
.sidebar a:not(.brand):hover { background: #24345a; color: #fff; }
.sidebar a[aria-current="page"] { background: var(--brand); color: #fff; font-weight: 600; }
.content { min-width: 0; display: flex; flex-direction: column; }
.topbar {
  display: flex; align-items: center; justify-content: flex-end; gap: 1rem; flex-wrap: wrap;
  padding: .75rem 1.5rem; background: var(--card); border-bottom: 1px solid var(--line);
}
.topbar .who { color: var(--muted); margin-right: auto; }
.balance-chip { text-decoration: none; font-weight: 600; color: var(--ink); background: var(--page); border: 1px solid var(--line); border-radius: 999px; padding: .3rem .8rem; }
main { padding: 1.5rem; max-width: 72rem; width: 100%; }
.lead { color: var(--muted); max-width: 48rem; }
@media (max-width: 48rem) {
  .app { grid-template-columns: 1fr; }
  .sidebar ul { display: flex; flex-wrap: wrap; gap: .25rem; }
  .nav-heading { display: none; }
  .brand { margin-bottom: .5rem; }
}

/* Cards and grids */
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.25rem; margin-bottom: 1.25rem; }
.grid { display: grid; gap: 1.25rem; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); margin-bottom: 1.25rem; }
.grid > .card { margin-bottom: 0; }
.stat { font-size: 2rem; font-weight: 700; line-height: 1.1; }
.stat-label { color: var(--muted); font-size: .9rem; }
.service-list { list-style: none; padding: 0; margin: 0; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); }
.service-list a { display: block; text-decoration: none; color: inherit; border: 1px solid var(--line); border-radius: var(--radius); padding: .9rem 1rem; background: var(--card); height: 100%; }
.service-list a:hover { border-color: var(--brand); }
.service-list strong { display: block; color: var(--brand); }
.service-list span { color: var(--muted); font-size: .9rem; }

/* Forms */
form { margin: 0; }
.field { margin-bottom: 1rem; }
.field label, .label { display: block; font-weight: 600; margin-bottom: .3rem; }
.hint { display: block; color: var(--muted); font-size: .875rem; margin-top: .25rem; font-weight: 400; }
label .hint { display: inline; margin: 0 0 0 .4rem; }
input[type="text"], input[type="email"], input[type="password"], input[type="url"], input[type="number"], input[type="date"], select {
  width: 100%; max-width: 32rem; font: inherit; color: inherit; padding: .5rem .65rem;
  border: 1px solid #8a94a6; border-radius: 6px; background: #fff;
}
input[type="file"] { font: inherit; max-width: 100%; }
::placeholder { color: #6b7280; opacity: 1; }
input[type="range"] { width: 100%; max-width: 20rem; accent-color: var(--brand); vertical-align: middle; }
input:user-invalid { border-color: var(--bad); }
fieldset { min-width: 0; border: 1px solid var(--line); border-radius: var(--radius); padding: .75rem 1rem 1rem; margin: 0 0 1rem; }
legend { font-weight: 600; padding: 0 .35rem; }
.field label.choice, .choice { display: flex; align-items: center; gap: .5rem; margin: .25rem 0; font-weight: 400; }
.choice input { width: 1.1rem; height: 1.1rem; accent-color: var(--brand); }
.row { display: grid; gap: 0 1rem; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); }
.row .field input, .row .field select { max-width: none; }
.row.bottom { align-items: end; }
.or { color: var(--muted); margin: .5rem 0; font-weight: 600; }
output { font-weight: 700; margin-left: .5rem; }
details { margin-bottom: 1rem; }
summary { cursor: pointer; font-weight: 600; }

.button {
  display: inline-flex; align-items: center; justify-content: center; gap: .4rem;
  font: inherit; font-weight: 600; text-decoration: none; cursor: pointer;
  padding: .55rem 1.1rem; border-radius: 6px; border: 1px solid var(--brand);
  background: var(--brand); color: #fff; min-height: 2.5rem;
}
.button:hover { background: var(--brand-dark); border-color: var(--brand-dark); color: #fff; }
.button.secondary { background: #fff; color: var(--brand); }
.button.secondary:hover { background: #eef2ff; color: var(--brand-dark); }
.button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
.button.danger:hover { background: var(--bad-bg); }
.button:disabled, .button[aria-disabled="true"] { opacity: .6; cursor: not-allowed; }
.button.small { padding: .3rem .7rem; min-height: 2rem; font-size: .9rem; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin-top: 1rem; }

/* Messages */
.alert { border-radius: var(--radius); padding: .8rem 1rem; margin: 1rem 0; border: 1px solid; }
.alert p:last-child { margin-bottom: 0; }
.alert.error { background: var(--bad-bg); border-color: #fda29b; color: var(--bad); }
.alert.info { background: #eff4ff; border-color: #b2ccff; color: #1e3a8a; }
.alert.success { background: var(--ok-bg); border-color: #abefc6; color: var(--ok); }
.alert .button { margin-top: .5rem; }
.status { display: flex; align-items: center; gap: .6rem; font-weight: 600; margin: 1rem 0; min-height: 1.5rem; }
.status:empty { margin: 0; min-height: 0; }
.spinner { width: 1.1rem; height: 1.1rem; border: 3px solid #c7d2fe; border-top-color: var(--brand); border-radius: 50%; animation: spin 1s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner { animation-duration: 3s; } }
.badge { display: inline-block; border-radius: 999px; padding: .1rem .6rem; font-size: .85rem; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.badge.ok { background: var(--ok-bg); color: var(--ok); border-color: #abefc6; }
.badge.warn { background: var(--warn-bg); color: var(--warn); border-color: #fedf89; }
.badge.bad { background: var(--bad-bg); color: var(--bad); border-color: #fda29b; }
.badge.neutral { background: #f2f4f7; color: #344054; border-color: var(--line); }

/* Tables */
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
caption { text-align: left; font-weight: 600; padding: .5rem 0; }
th, td { text-align: left; padding: .55rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); background: #f9fafb; }
.nowrap { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.plus { color: var(--ok); font-weight: 600; }
.minus { color: var(--bad); font-weight: 600; }
.pager { display: flex; gap: .75rem; align-items: center; margin-top: 1rem; }
/* Usage rows are labelled with data (shopper references are case-sensitive): shown as written. */
.usage-table tbody th { text-transform: none; letter-spacing: normal; font-size: 1rem; color: var(--ink); background: none; }
.actions + details { margin-top: 1rem; }

/* Tabs are links: each tab has its own URL (?tab=buy is the 402's top_up_url). */
.tabs { display: flex; gap: .25rem; border-bottom: 2px solid var(--line); margin-bottom: 1.25rem; }
.tabs a { padding: .6rem 1rem; text-decoration: none; color: var(--muted); font-weight: 600; border-bottom: 3px solid transparent; margin-bottom: -2px; }
.tabs a[aria-current="page"] { color: var(--brand); border-bottom-color: var(--brand); }

/* Before / after */
.compare { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); margin: 1rem 0; }
.compare figure { margin: 0; }
.frame { border: 1px solid var(--line); border-radius: var(--radius); background: #fff; min-height: 12rem; display: flex; align-items: center; justify-content: center; overflow: hidden; }
.frame img { display: block; max-width: 100%; max-height: 28rem; }
.frame .placeholder { color: var(--muted); padding: .5rem 1rem; margin: 1rem; text-align: center; background: #fff; border-radius: var(--radius); }
/* Transparency shows as the usual grey-and-white checkerboard. */
.checkerboard { background: repeating-conic-gradient(#d0d5dd 0 25%, #fff 0 50%) 0 0 / 20px 20px; }
/*
 * A sticker: the SVG cut line laid over the PNG in the PNG's own box (they share one canvas).
 * The line is a 0.25 pt hairline, thinner than a pixel at preview scale; stacked zero-offset
 * shadows of its own magenta build up its faint coverage into a line that can be seen.
 */
.sticker-stack { position: relative; max-width: 100%; line-height: 0; }
.sticker-stack .cut-line {
  position: absolute; inset: 0; width: 100%; height: 100%; max-height: none;
  filter: drop-shadow(0 0 .5px #f0f) drop-shadow(0 0 0 #f0f) drop-shadow(0 0 0 #f0f) drop-shadow(0 0 0 #f0f);
}
.detail { height: 20rem; overflow: auto; display: block; }
.detail img { max-width: none; max-height: none; }
.detail .pixelated { image-rendering: pixelated; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }

/* Stars: drawn as text, announced through their label. */
.stars { font-size: 1.75rem; letter-spacing: .1em; color: #b54708; }
.stars .off { color: #d0d5dd; }
.score { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
.score-label { font-size: 1.3rem; font-weight: 700; }

/* Usage chart: stacked bars per day; the table beside it carries the same numbers. */
.chart { display: flex; align-items: flex-end; gap: 4px; height: 10rem; padding: .5rem 0; border-bottom: 1px solid var(--line); }
.chart .day { flex: 1; display: flex; flex-direction: column-reverse; height: 100%; min-width: 0; }
.chart .seg { width: 100%; min-height: 0; }
.chart-axis { display: flex; justify-content: space-between; color: var(--muted); font-size: .8rem; margin-top: .25rem; }
.legend { display: flex; gap: 1rem; flex-wrap: wrap; list-style: none; padding: 0; margin: .5rem 0 0; font-size: .9rem; }
.legend li { display: flex; align-items: center; gap: .4rem; }
.swatch { width: .9rem; height: .9rem; border-radius: 3px; display: inline-block; }
.svc-bg-remove { background: #1d4ed8; }
.svc-stickers { background: #a21caf; }
.svc-preflight-ai-fix { background: #c2410c; }
.svc-other { background: #667085; }

/* Packs */
.packs { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); list-style: none; padding: 0; margin: 0 0 1.25rem; }
.pack { border: 1px solid var(--line); border-radius: var(--radius); padding: 1.1rem; background: var(--card); display: flex; flex-direction: column; gap: .35rem; }
.pack .tokens { font-size: 1.5rem; font-weight: 700; }
.pack .price { color: var(--muted); }
.pack .button { margin-top: auto; }

/* Sign-in pages */
.auth { max-width: 26rem; margin: 3rem auto; padding: 0 1rem; }
.auth .brand { color: var(--ink); text-align: center; }
.auth .brand span { color: var(--muted); }
.auth .card { padding: 1.75rem; }
.auth input { max-width: none; }
`;
