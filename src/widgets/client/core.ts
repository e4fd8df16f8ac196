/**
 * Widget script, part 1: widget tokens, API calls, errors in the shopper's
 * words, and the base element every widget extends (shadow root, file
 * picker with drag and drop, status and error regions, events).
 *
 * Served as-is (see ../script.ts): plain JavaScript in a string, no
 * template literals inside. Text from the API reaches the page only through
 * textContent; the only markup is the constant templates below.
 */
export const CORE_JS = String.raw`
var API_BASE = (function () {
  var s = document.currentScript;
  try { return s && s.src ? new URL(s.src).origin : location.origin; } catch (e) { return location.origin; }
})();

var sheet = null;
function adoptStyles(root) {
  // A constructed stylesheet needs no 'unsafe-inline' in the shop's CSP.
  try {
    if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
    root.adoptedStyleSheets = [sheet];
  } catch (old) {
    var style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
  }
}

function WidgetError(status, code, message, extra) {
  this.status = status;
  this.code = code;
  this.message = message;
  this.details = extra || null;
}

/* What a shopper is told. The API's own message is meant for the shop's
 * developers; it is kept in the failed event's detail. */
function shopperMessage(err) {
  switch (err.status) {
    case 0: return "The service could not be reached from this page. Please try again later.";
    case 401: case 403: return "This page's connection to the service has expired or is not allowed. Please reload the page.";
    case 402: return "This shop cannot process more files right now. Please try again later.";
    case 413: return "This file is too large.";
    case 415: return "This type of file is not supported.";
    case 422: return err.message || "This file could not be used.";
    case 429: return "Too many tries in a short time. Please wait " + ((err.details && err.details.retryAfterSeconds) || 30) + " seconds and try again.";
    case -1: return err.message;
    default: return "Something went wrong. Please try again.";
  }
}

function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

var TEMPLATE = '<div class="drop" part="dropzone">' +
  '<p><button type="button" class="pick" part="button"></button></p>' +
  '<p class="or">or drop a file here</p>' +
  '<p class="hint"></p>' +
  '<input type="file" hidden>' +
  '</div>' +
  '<p class="status" part="status" role="status" aria-live="polite"></p>' +
  '<p class="error" part="error" role="alert"></p>';

class PrintcartElement extends HTMLElement {
  constructor() {
    super();
    this.tokenProvider = null;
    this._token = null;
    this._run = 0;
  }

  connectedCallback() {
    if (this.shadowRoot) return;
    var root = this.attachShadow({ mode: "open" });
    adoptStyles(root);
    var wrap = document.createElement("div");
    wrap.setAttribute("role", "group");
    wrap.setAttribute("aria-label", this.getAttribute("label") || this.constructor.label);
    wrap.innerHTML = TEMPLATE + this.constructor.template;
    root.appendChild(wrap);
    this.$ = function (sel) { return root.querySelector(sel); };
    var self = this, input = this.$("input"), drop = this.$(".drop"), pick = this.$(".pick");
    pick.textContent = this.getAttribute("button-text") || this.constructor.buttonText;
    this.$(".hint").textContent = this.constructor.hint;
    input.accept = this.constructor.accept;
    input.setAttribute("aria-label", pick.textContent);
    pick.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () { if (input.files[0]) self._take(input.files[0]); input.value = ""; });
    drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      drop.classList.remove("over");
      var file = e.dataTransfer && e.dataTransfer.files[0];
      if (file) self._take(file);
    });
  }

  disconnectedCallback() { this._run++; }

  _take(file) {
    var run = ++this._run, self = this;
    this.status("");
    this.$(".error").textContent = "";
    if (this.constructor.types.indexOf(file.type) < 0) {
      return this.fail(new WidgetError(-1, "UNSUPPORTED_FILE", "This type of file is not supported here (" + this.constructor.hint + ")."), run);
    }
    this.busy(true);
    Promise.resolve()
      .then(function () { return self.handle(file, function () { return run === self._run; }); })
      .catch(function (err) { self.fail(err, run); })
      .then(function () { if (run === self._run) self.busy(false); });
  }

  busy(on) { this.$(".pick").disabled = on; this.toggleAttribute("busy", on); }
  status(text) { this.$(".status").textContent = text; }

  fail(err, run) {
    if (run !== undefined && run !== this._run) return;
    if (!(err instanceof WidgetError)) err = new WidgetError(0, "NETWORK", String(err && err.message || err));
    this.status("");
    this.$(".error").textContent = shopperMessage(err);
    this.emit("failed", { status: err.status, error: err.code, message: err.message, details: err.details });
  }

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent("printcart:" + name, { detail: detail, bubbles: true, composed: true }));
  }

  /* ---- widget tokens --------------------------------------------------
   * Asked for from the shop's own server (token-endpoint, same origin as the
   * page, so its cookies identify the shopper) or from tokenProvider; kept
   * until shortly before they expire. */
  token(fresh) {
    var self = this, t = this._token;
    if (!fresh && t && (t.pending || t.expires - 30000 > Date.now())) return t.pending || Promise.resolve(t.token);
    var services = this.constructor.services;
    var endpoint = this.getAttribute("token-endpoint");
    var asked = this.tokenProvider
      ? Promise.resolve().then(function () { return self.tokenProvider(services); })
      : endpoint
        ? fetch(endpoint, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", Accept: "application/json" },
            body: JSON.stringify({ services: services }),
          }).then(function (res) {
            if (!res.ok) throw new WidgetError(401, "TOKEN_ENDPOINT", "The token endpoint answered " + res.status + ".");
            return res.json();
          })
        : Promise.reject(new WidgetError(401, "NO_TOKEN_ENDPOINT", "Set the token-endpoint attribute."));
    var pending = asked.then(function (body) {
      var d = body && body.data ? body.data : body;
      var token = typeof d === "string" ? d : d && d.token;
      if (!token) throw new WidgetError(401, "TOKEN_ENDPOINT", "The token endpoint sent no token.");
      var expires = d.expiresAt ? Date.parse(d.expiresAt) : Date.now() + ((d.expiresIn || 300) * 1000);
      self._token = { token: token, expires: expires };
      return token;
    }, function (err) {
      self._token = null;
      throw err instanceof WidgetError ? err : new WidgetError(0, "TOKEN_ENDPOINT", String(err && err.message || err));
    });
    this._token = { pending: pending };
    return pending;
  }

  /* One API call; a 401 (the token expired or was revoked) fetches a new
   * token and tries once more. A call that did not get through (a dropped
   * connection, a server restarting: status 0 or 502-504) is tried twice
   * more. A charging call is retried only under an Idempotency-Key, so a
   * retry can never charge twice. */
  api(method, path, body, contentType) {
    var self = this, base = this.getAttribute("api-base") || API_BASE;
    var key = method === "POST" && window.crypto && crypto.randomUUID ? crypto.randomUUID() : null;
    function send(token) {
      var headers = { Authorization: "Bearer " + token };
      if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
      if (key) headers["Idempotency-Key"] = key;
      return fetch(base + path, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : contentType ? body : JSON.stringify(body),
        mode: "cors",
        credentials: "omit",
      });
    }
    function attempt(n) {
      return self.token()
        .then(send)
        .then(function (res) { return res.status === 401 ? self.token(true).then(send) : res; })
        .then(function (res) {
          return res.json().catch(function () { return null; }).then(function (json) {
            if (res.ok) return json;
            var b = json || {};
            throw new WidgetError(res.status, b.error || "HTTP_" + res.status, b.message || "HTTP " + res.status, b);
          });
        }, function (err) {
          if (err instanceof WidgetError) throw err;
          // A refused CORS check and a dropped connection look the same from here.
          throw new WidgetError(0, "NETWORK", String(err && err.message || err));
        })
        .catch(function (err) {
          var again = err.status === 0 || (err.status >= 502 && err.status <= 504) || (err.status === 409 && key);
          if (!again || n >= 2 || (method === "POST" && !key)) throw err;
          return sleep(1000 * (n + 1)).then(function () { return attempt(n + 1); });
        });
    }
    return attempt(0);
  }

  upload(file) {
    this.status("Uploading " + file.name + "…");
    return this.api("POST", "/v1/services/uploads", file, file.type).then(function (r) { return r.data.fileUrl; });
  }

  num(name) {
    var v = this.getAttribute(name);
    return v === null || v === "" || isNaN(Number(v)) ? undefined : Number(v);
  }

  preview(figure, src, alt) {
    var frame = this.$(figure + " .frame");
    var img = document.createElement("img");
    img.alt = alt;
    img.src = src;
    frame.replaceChildren(img);
    return new Promise(function (resolve, reject) {
      img.onload = function () { resolve(img); };
      img.onerror = function () { reject(new WidgetError(-1, "PREVIEW_FAILED", "The image could not be shown.")); };
    });
  }
}
`;
