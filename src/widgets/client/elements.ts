/**
 * Widget script, part 2: the four custom elements. Each one calls the
 * public API exactly as a shop's server would, with the widget token its
 * page got from the shop.
 */
export const ELEMENTS_JS = String.raw`
var PRODUCT_TYPES = ["photo_on_canvas", "poster", "wallpaper", "framed_print", "wrapping_paper", "stock_canvas"];
var IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];

function stars(n) { return "★★★★★".slice(0, n) + "☆☆☆☆☆".slice(0, 5 - n); }
function inches(x) { return Math.round(x * 10) / 10 + " in"; }
function count(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

/* <printcart-dpi-check canvas-width="30" canvas-height="20" product-type="poster">
 * Rates the picked photo for the canvas. Only its pixel size is sent: the
 * photo itself never leaves the shopper's browser. Changing the canvas or
 * product attributes rates the same photo again. */
class DpiCheck extends PrintcartElement {
  static get observedAttributes() { return ["canvas-width", "canvas-height", "product-type"]; }

  attributeChangedCallback() {
    var self = this;
    if (!this._size || !this.shadowRoot || this.hasAttribute("busy")) return;
    var run = ++this._run;
    this.score(function () { return run === self._run; }).catch(function (err) { self.fail(err, run); });
  }

  handle(file, current) {
    var self = this;
    this.status("Reading the photo…");
    return createImageBitmap(file).then(function (bitmap) {
      self._size = { widthPx: bitmap.width, heightPx: bitmap.height };
      if (bitmap.close) bitmap.close();
      return self.score(current);
    }, function () {
      throw new WidgetError(-1, "UNREADABLE_FILE", "This photo could not be read.");
    });
  }

  score(current) {
    var self = this, w = this.num("canvas-width"), h = this.num("canvas-height");
    var type = this.getAttribute("product-type") || "photo_on_canvas";
    if (!w || !h) return Promise.reject(new WidgetError(-1, "MISSING_ATTRIBUTE", "Choose a print size first."));
    if (PRODUCT_TYPES.indexOf(type) < 0) return Promise.reject(new WidgetError(-1, "BAD_ATTRIBUTE", "Unknown product type " + type + "."));
    this.status("Rating the photo for " + w + " × " + h + " in…");
    var body = { widthPx: this._size.widthPx, heightPx: this._size.heightPx, canvasWidthInches: w, canvasHeightInches: h, productType: type };
    return this.api("POST", "/v1/services/preflight/dpi-score", body).then(function (r) {
      if (!current()) return;
      var d = r.data, box = self.$(".result");
      var s = self.$(".stars");
      s.textContent = stars(d.stars);
      s.setAttribute("aria-label", d.stars + " of 5 stars");
      self.$(".label").textContent = d.label;
      self.$(".ppi").textContent = self._size.widthPx + " × " + self._size.heightPx + " px gives " + d.effectivePpi + " ppi at " + w + " × " + h + " in (" + d.minPpi + " ppi needed).";
      self.$(".max").textContent = "Prints well up to " + inches(d.maxPrintSizeInches.width) + " × " + inches(d.maxPrintSizeInches.height) + ".";
      box.hidden = false;
      // The result is itself a live region; the status line would only repeat it.
      self.status("");
      self.emit("completed", { service: "dpi-score", widthPx: body.widthPx, heightPx: body.heightPx, score: d });
    });
  }
}
DpiCheck.services = ["dpi-score"];
DpiCheck.label = "Photo quality check";
DpiCheck.buttonText = "Check a photo";
DpiCheck.hint = "JPEG, PNG or WebP; the photo stays on your device";
DpiCheck.accept = IMAGE_TYPES.join(",");
DpiCheck.types = IMAGE_TYPES;
DpiCheck.template = '<div class="result" part="result" aria-live="polite" hidden>' +
  '<p><span class="stars" role="img"></span> <strong class="label"></strong></p>' +
  '<p class="ppi"></p><p class="max"></p></div>';

/* <printcart-bg-remove subject-type="product" edge-softness="3" output-background="transparent" high-detail keep-existing-alpha="true">
 * Uploads the photo, starts a background-removal job (charged to the shop,
 * within the widget token's cap), follows it and shows the cut-out.
 * <printcart-sticker> extends it: another job, the same upload and polling. */
class BgRemove extends PrintcartElement {
  handle(file, current) {
    var self = this, c = this.constructor, started = Date.now();
    this.$(".preview").hidden = false;
    this.$(".after .frame").replaceChildren();
    this.$(".download").hidden = true;
    // A photo the browser cannot show (some WebP, CMYK JPEG) can still be cut out.
    this.preview(".before", URL.createObjectURL(file), "Your photo").catch(function () {});
    return this.upload(file).then(function (fileUrl) {
      if (!current()) return;
      self.status(c.working + "…");
      return self.api("POST", c.path, self.body(fileUrl)).then(function (job) { return self.follow(job, started, current); });
    });
  }

  body(fileUrl) {
    var body = { image_url: fileUrl };
    var subject = this.getAttribute("subject-type"), background = this.getAttribute("output-background"), soft = this.num("edge-softness");
    if (subject) body.subject_type = subject;
    if (background) body.output_background = background;
    if (soft !== undefined) body.edge_softness = soft;
    if (this.hasAttribute("high-detail")) body.high_detail_mode = true;
    return this.keepAlpha(body);
  }

  // Absent, the API's default for the subject type decides. Bare, as high-detail, it means true;
  // any other word than true or false is the page's mistake, said rather than guessed at.
  keepAlpha(body) {
    var keep = this.getAttribute("keep-existing-alpha");
    if (keep !== null) {
      if (keep !== "" && keep !== "true" && keep !== "false") throw new WidgetError(-1, "BAD_ATTRIBUTE", 'keep-existing-alpha must be "true" or "false".');
      body.keep_existing_alpha = keep !== "false";
    }
    return body;
  }

  follow(job, started, current, misses) {
    var self = this, c = this.constructor, every = Math.max(1000, this.num("poll-interval") || 2000);
    misses = misses || 0;
    if (!current()) return;
    if (job.status === "failed") {
      throw new WidgetError(-1, "JOB_FAILED", job.error_message || c.failed, { jobId: job.job_id });
    }
    if (job.status === "completed" && job.output_url) return this.show(job, current);
    this.status(c.working + "… " + Math.round((Date.now() - started) / 1000) + " s");
    return sleep(every * (misses + 1))
      .then(function () { return current() ? self.api("GET", c.path + "/" + encodeURIComponent(job.job_id)) : null; })
      .then(function (next) { return next && self.follow(next, started, current, 0); }, function (err) {
        // The job is paid for and still running: a poll lost to a flaky
        // connection or a busy server is tried again, more slowly, a few times.
        var transient = err.status === 0 || err.status === 429 || err.status >= 500;
        if (!current() || !transient || misses >= 6) throw err;
        return self.follow(job, started, current, misses + 1);
      });
  }

  show(job, current) {
    var self = this, c = this.constructor;
    this.status("Loading the result…");
    return this.preview(".after", job.output_url, c.alt).then(function (img) { return self.overlay(img, job); }).then(function (img) {
      if (!current()) return;
      img.setAttribute("data-loaded", "");
      var link = self.$(".download");
      link.href = job.output_url;
      link.hidden = false;
      self.status(c.done);
      self.emit("completed", self.detail(job));
    });
  }

  overlay(img) { return img; }
  detail(job) { return { service: "bg-remove", jobId: job.job_id, outputUrl: job.output_url, width: job.width, height: job.height, job: job }; }
}
function jobTemplate(after, file) {
  return '<div class="preview" part="preview" hidden>' +
    '<figure class="before"><figcaption>Before</figcaption><div class="frame"></div></figure>' +
    '<figure class="after"><figcaption>' + after + '</figcaption><div class="frame checker"></div></figure></div>' +
    '<p class="result"><a class="download button" part="download" download="' + file + '" target="_blank" rel="noopener" hidden>Open the PNG</a></p>';
}
BgRemove.services = ["bg-remove"];
BgRemove.path = "/v1/services/bg-remove";
BgRemove.working = "Removing the background";
BgRemove.done = "Done: the background is removed.";
BgRemove.failed = "The background could not be removed.";
BgRemove.alt = "Your photo without its background";
BgRemove.label = "Background removal";
BgRemove.buttonText = "Choose a photo";
BgRemove.hint = "JPEG, PNG or WebP, up to 100 MB";
BgRemove.accept = IMAGE_TYPES.join(",");
BgRemove.types = IMAGE_TYPES;
BgRemove.template = jobTemplate("After", "cutout.png");

/* <printcart-sticker size-inches="3" border-mm="2" border-color="#FFFFFF" bleed-mm="1.5" dpi="300" subject-type="logo" keep-existing-alpha="true">
 * A die-cut sticker of the picture: the PNG on a checkerboard with its SVG
 * cut line laid over it in the same box (both share one canvas, so the line
 * sits where the blade goes, at any scale). */
var STICKER_ATTRIBUTES = ["size-inches", "border-mm", "border-color", "bleed-mm", "dpi", "subject-type"];

class Sticker extends BgRemove {
  // Each attribute is the API's field with "_" for "-"; numbers go as numbers, a colour or subject type as text.
  body(fileUrl) {
    var self = this, body = { image_url: fileUrl };
    STICKER_ATTRIBUTES.forEach(function (name) {
      var value = self.getAttribute(name);
      if (value) body[name.replace(/-/g, "_")] = isNaN(value) ? value : Number(value);
    });
    return this.keepAlpha(body);
  }

  overlay(img, job) {
    var stack = document.createElement("div"), cut = document.createElement("img");
    stack.className = "stack";
    cut.className = "cut";
    cut.alt = "Its cut line";
    img.replaceWith(stack);
    stack.append(img, cut);
    return new Promise(function (resolve, reject) {
      cut.onload = function () { cut.setAttribute("data-loaded", ""); resolve(img); };
      cut.onerror = function () { reject(new WidgetError(-1, "PREVIEW_FAILED", "The image could not be shown.")); };
      cut.src = job.cut_svg_url;
    });
  }

  detail(job) { return { service: "stickers", jobId: job.job_id, outputUrl: job.output_url, cutSvgUrl: job.cut_svg_url, cutPdfUrl: job.cut_pdf_url, job: job }; }
}
Sticker.services = ["stickers"];
Sticker.path = "/v1/services/stickers";
Sticker.working = "Making your sticker";
Sticker.done = "Done: your sticker is ready. The magenta line is where it will be cut.";
Sticker.failed = "The sticker could not be made.";
Sticker.alt = "Your sticker";
Sticker.label = "Sticker";
Sticker.template = jobTemplate("Your sticker and its cut line", "sticker.png");

/* <printcart-preflight product-type="poster" canvas-width="24" canvas-height="36" required-dpi="300" bleed-mm="3" color-mode="cmyk" design-id="…">
 * Uploads a print file and shows the full preflight report. */
var STATUS_TEXT = { passed: "Ready to print", warnings: "Printable, with warnings", failed: "Needs attention" };

class Preflight extends PrintcartElement {
  handle(file, current) {
    var self = this;
    this.$(".result").hidden = true;
    return this.upload(file).then(function (fileUrl) {
      if (!current()) return;
      var body = { designId: self.getAttribute("design-id") || file.name.slice(0, 200) || "upload", fileUrl: fileUrl };
      var type = self.getAttribute("product-type"), w = self.num("canvas-width"), h = self.num("canvas-height");
      var profile = {}, dpi = self.num("required-dpi"), bleed = self.num("bleed-mm"), mode = self.getAttribute("color-mode");
      if (type) body.productType = type;
      if (w && h) { body.canvasWidthInches = w; body.canvasHeightInches = h; }
      if (dpi !== undefined) profile.requiredDpi = dpi;
      if (bleed !== undefined) profile.bleedMm = bleed;
      if (mode) profile.requiredColorMode = mode;
      if (Object.keys(profile).length) body.productProfile = profile;
      self.status("Checking " + file.name + "…");
      return self.api("POST", "/v1/services/preflight/checks", body);
    }).then(function (r) {
      if (!r || !current()) return;
      var report = r.data, badge = self.$(".badge"), list = self.$(".issues");
      badge.textContent = STATUS_TEXT[report.status] || report.status;
      badge.className = "badge " + report.status;
      list.replaceChildren();
      report.issues.forEach(function (issue) {
        var li = document.createElement("li"), sev = document.createElement("span");
        sev.className = "sev s-" + issue.severity;
        sev.textContent = issue.severity + ": ";
        li.append(sev, issue.message + (issue.page ? " (page " + issue.page + ")" : ""));
        list.appendChild(li);
      });
      self.$(".none").hidden = report.issues.length > 0;
      self.$(".result").hidden = false;
      self.status(badge.textContent + ": " + count(report.summary.errors, "error") + ", " + count(report.summary.warnings, "warning") + ".");
      self.emit("completed", { service: "preflight", reportId: report.reportId, status: report.status, report: report });
    });
  }
}
Preflight.services = ["preflight"];
Preflight.label = "Print file check";
Preflight.buttonText = "Choose a print file";
Preflight.hint = "PDF up to 25 MB; JPEG, PNG or TIFF up to 100 MB";
Preflight.accept = "application/pdf,image/jpeg,image/png,image/tiff,.pdf,.tif,.tiff";
Preflight.types = ["application/pdf", "image/jpeg", "image/png", "image/tiff", "image/webp"];
Preflight.template = '<div class="result" part="result" hidden><p><span class="badge" part="badge"></span></p>' +
  '<p class="none">No issues found.</p><ul class="issues"></ul></div>';

function define(name, element) { if (!customElements.get(name)) customElements.define(name, element); }
define("printcart-dpi-check", DpiCheck);
define("printcart-bg-remove", BgRemove);
define("printcart-sticker", Sticker);
define("printcart-preflight", Preflight);
`;
