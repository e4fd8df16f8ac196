/**
 * Client script, part 1: storage of the access token, the API client,
 * errors in plain words, small DOM helpers and the signed-in frame.
 *
 * Served as-is to the browser (see ../assets.ts), so it is plain
 * JavaScript in a string: no template literals inside, and every text that
 * comes from the API goes through textContent, never innerHTML.
 */
export const CORE_JS = String.raw`
var AUTH_KEY = "printcart.dashboard.auth";
var PUBLIC_PATHS = ["/dashboard/login", "/dashboard/signup"];
var PAGES = {};
var CONFIG = { prices: { bgRemove: 150, fixes: {} } };
var NUM = new Intl.NumberFormat("en-US");
var DAY_MS = 24 * 60 * 60 * 1000;

/* ---- The access token ------------------------------------------------
 * Kept in sessionStorage: it lives only as long as the tab, is not sent
 * with any request by the browser on its own (so no request forgery), and
 * the Content-Security-Policy lets no script from anywhere else run here.
 * docs/dashboard.md explains the choice. */
function readAuth() {
  var raw = sessionStorage.getItem(AUTH_KEY);
  if (!raw) return null;
  var auth;
  try {
    auth = JSON.parse(raw);
  } catch (unreadable) {
    // Garbage under our key is treated as no login; it is removed at the next save or logout.
    return null;
  }
  return auth && typeof auth.token === "string" && auth.expiresAt > Date.now() ? auth : null;
}

function saveAuth(response, fallbackEmail) {
  var account = response.data || {};
  sessionStorage.setItem(AUTH_KEY, JSON.stringify({
    token: response.access_token,
    // A minute early, so no request leaves with a token that expires on the way.
    expiresAt: Date.now() + Math.max(0, response.expires_in - 60) * 1000,
    email: account.email || fallbackEmail,
    name: account.name || null
  }));
}

function clearAuth() {
  sessionStorage.removeItem(AUTH_KEY);
}

/** Only dashboard paths: a crafted ?next= must not send anyone to another site. */
function safeNext(value) {
  return typeof value === "string" && /^\/dashboard(\/[\w\-\/]*)?(\?[^#]*)?$/.test(value) ? value : "/dashboard";
}

function toLogin(reason) {
  var params = new URLSearchParams({ next: location.pathname + location.search });
  if (reason) params.set("reason", reason);
  location.replace("/dashboard/login?" + params.toString());
}

// Runs before the page is drawn (the script is not deferred), so a logged-out visitor never sees an empty frame.
if (PUBLIC_PATHS.indexOf(location.pathname) < 0 && !readAuth()) {
  var hadLogin = sessionStorage.getItem(AUTH_KEY) !== null;
  clearAuth();
  toLogin(hadLogin ? "expired" : "");
}

/* ---- DOM helpers ----------------------------------------------------- */
function $(selector, root) {
  return (root || document).querySelector(selector);
}

function $$(selector, root) {
  return Array.prototype.slice.call((root || document).querySelectorAll(selector));
}

function h(tag, attrs, children) {
  var el = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (name) {
    var value = attrs[name];
    if (value === null || value === undefined || value === false) return;
    if (name === "text") el.textContent = String(value);
    else if (name.slice(0, 2) === "on") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  });
  add(el, children);
  return el;
}

function add(el, children) {
  (Array.isArray(children) ? children : [children]).forEach(function (child) {
    if (child === null || child === undefined || child === false) return;
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  });
  return el;
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Links from API responses are used only if they are http(s). */
function safeHref(url, fallback) {
  try {
    var parsed = new URL(url, location.origin);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : fallback;
  } catch (invalid) {
    return fallback;
  }
}

function sameOrigin(url) {
  try {
    return new URL(url, location.origin).origin === location.origin;
  } catch (invalid) {
    return false;
  }
}

function tokens(n) {
  return NUM.format(n) + (Math.abs(n) === 1 ? " token" : " tokens");
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "";
}

/** For table cells: the year only when it is not this one. */
function shortWhen(iso) {
  var date = new Date(iso);
  var options = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
  if (date.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
  return date.toLocaleString(undefined, options);
}

function sleep(ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms); });
}

function newKey() {
  return window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now() + "-" + Math.random().toString(36).slice(2);
}

function param(name) {
  return new URLSearchParams(location.search).get(name);
}

function setParam(name, value) {
  var url = new URL(location.href);
  if (value) url.searchParams.set(name, value);
  else url.searchParams.delete(name);
  history.replaceState(null, "", url.pathname + url.search);
}

/* ---- API client ------------------------------------------------------ */
class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super((body && body.message) || "HTTP " + status);
    this.status = status;
    this.body = body || {};
    this.retryAfter = retryAfter;
  }
}

/** A problem found before anything was sent: said in words, with the field to fix. */
class FormProblem extends Error {
  constructor(message, field) {
    super(message);
    this.field = field;
  }
}

async function api(path, options) {
  options = options || {};
  var headers = {};
  var auth = readAuth();
  if (options.auth !== false && auth) headers.Authorization = "Bearer " + auth.token;
  var init = { method: options.method || (options.json !== undefined || options.body ? "POST" : "GET"), headers: headers };
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  } else if (options.body) {
    headers["Content-Type"] = options.contentType || "application/octet-stream";
    init.body = options.body;
  }
  if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
  if (options.accept) headers.Accept = options.accept;
  // A request that hangs (a dropped connection, a server restarting) ends as "unreachable" instead of never.
  if (options.timeoutMs && window.AbortSignal && AbortSignal.timeout) init.signal = AbortSignal.timeout(options.timeoutMs);
  var response;
  try {
    response = await fetch(path, init);
  } catch (offline) {
    throw new ApiError(0, null);
  }
  var text = await response.text();
  var body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (notJson) {
    body = null; // a proxy's HTML error page: the status alone decides what we say
  }
  if (!response.ok) {
    if (response.status === 401 && options.auth !== false) {
      clearAuth();
      toLogin("expired");
    }
    throw new ApiError(response.status, body, response.headers.get("Retry-After"));
  }
  // options.text: the answer as it came (a CSV download); errors are JSON either way.
  return options.text ? text : body;
}

/* ---- Errors in words a shop owner understands -------------------------- */
var FIELD_NAMES = {
  email: "Email", password: "Password", name: "Shop name", file: "File",
  image_url: "Image", subject_type: "Subject type", edge_softness: "Edge softness",
  high_detail_mode: "High-detail mode", output_background: "Background",
  widthPx: "Image width", heightPx: "Image height", canvasWidthInches: "Canvas width",
  canvasHeightInches: "Canvas height", productType: "Product type", designId: "Design name",
  fileUrl: "File", fileType: "File type", "productProfile.requiredDpi": "Required DPI",
  "productProfile.requiredColorMode": "Colour mode", "productProfile.bleedMm": "Bleed",
  size_inches: "Size", dpi: "Resolution", border_mm: "Border", border_color: "Border colour", bleed_mm: "Bleed",
  min_radius_mm: "Smallest inside curve", keep_existing_alpha: "Own transparency", single_piece: "One sticker",
  preflightReportId: "Report", "options.fixTypes": "Fixes",
  from: "From", to: "To", group_by: "Group by"
};

function explain(err, overrides) {
  if (err instanceof FormProblem) return { text: err.message };
  if (!(err instanceof ApiError)) {
    console.error(err);
    return { text: "Something went wrong on this page. Reload it and try again." };
  }
  var b = err.body;
  var custom = overrides && overrides[err.status];
  if (custom) return typeof custom === "function" ? custom(b) : { text: custom };
  switch (err.status) {
    case 0:
      return { text: "We could not reach the service. Check your internet connection and try again." };
    case 400:
      if (b.issues && b.issues.length) {
        return {
          text: "Please check these details:",
          list: b.issues.map(function (issue) {
            return (issue.path ? (FIELD_NAMES[issue.path] || issue.path) + " " : "") + issue.message + ".";
          })
        };
      }
      return { text: b.message || "Some details are not valid." };
    case 401:
      return { text: "You have been logged out. Please log in again." };
    case 402:
      return {
        text: "Not enough tokens: you need " + tokens(b.shortfall || 0) + " more for this (your balance is " + tokens(b.balance || 0) + ").",
        action: { href: safeHref(b.top_up_url, "/dashboard/wallet?tab=buy"), label: "Buy tokens" }
      };
    case 403:
      return { text: "This file link has expired or is not valid. Reload the page to get a fresh link, or run the job again." };
    case 404:
      return { text: "We couldn't find that. It may have been deleted, or it belongs to another account." };
    case 409:
      return { text: b.message || "This was changed in the meantime. Reload the page and try again." };
    case 413:
      return { text: "The file is too large." + (b.limitBytes ? " The limit is " + Math.floor(b.limitBytes / 1048576) + " MB." : "") };
    case 415:
      return { text: "That kind of file isn't supported. Use a JPEG, PNG, WebP, TIFF or PDF file." };
    case 422:
      return { text: "The file was read, but it can't be used: " + (b.message || "its content is not supported.") };
    case 429:
      return { text: "Too many requests in one minute. Please wait " + (err.retryAfter || "a few") + " seconds and try again." };
    default:
      return {
        text: "Something went wrong on our side. Please try again in a moment." +
          (b.requestId ? " If it keeps happening, tell support the reference " + b.requestId + "." : "")
      };
  }
}

function showError(box, err, overrides) {
  var said = explain(err, overrides);
  var alert = h("div", { class: "alert error" }, h("p", { text: said.text }));
  if (said.list) alert.appendChild(h("ul", null, said.list.map(function (line) { return h("li", { text: line }); })));
  if (said.action) alert.appendChild(h("a", { class: "button", href: said.action.href, text: said.action.label }));
  add(clear(box), alert);
  if (err instanceof FormProblem && err.field) err.field.focus();
}

function busy(button, on) {
  button.disabled = on;
  button.setAttribute("aria-busy", on ? "true" : "false");
}

/* ---- The signed-in frame: who, balance, logout ------------------------- */
async function refreshBalance() {
  var wallet = (await api("/v1/wallet")).data;
  $$("[data-bind=balance]").forEach(function (el) { el.textContent = NUM.format(wallet.balance); });
  var available = $("#balance-available");
  if (available) available.textContent = NUM.format(wallet.balance);
  var held = $("#balance-held");
  if (held) held.textContent = NUM.format(wallet.held);
  return wallet;
}

function reportTo(box) {
  return function (err) {
    if (box) showError(box, err);
    else console.error(err);
  };
}

function initFrame() {
  var auth = readAuth();
  if (!auth) return;
  $$("[data-bind=email]").forEach(function (el) { el.textContent = auth.email; });
  $$("[data-action=logout]").forEach(function (button) {
    button.addEventListener("click", function () {
      // Tokens are stateless JWTs: forgetting this one is the logout; it expires within the hour.
      clearAuth();
      location.assign("/dashboard/login?reason=logout");
    });
  });
  refreshBalance().catch(reportTo($("#errors")));
}

document.addEventListener("DOMContentLoaded", function () {
  try {
    CONFIG = JSON.parse(document.body.getAttribute("data-config") || "{}");
  } catch (broken) {
    console.error("dashboard config is not JSON", broken);
  }
  if (PUBLIC_PATHS.indexOf(location.pathname) < 0) initFrame();
  var start = PAGES[document.body.getAttribute("data-page")];
  if (start) start();
});
`;
