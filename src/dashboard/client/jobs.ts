/**
 * Client script, part 2: what every service page shares. Sources (link or
 * upload), job polling, the status line, before/after images and AI fix jobs.
 */
export const JOBS_JS = String.raw`
var FIX_LABELS = {
  upscale_resolution_2x: "Upscale 2×",
  upscale_resolution_4x: "Upscale 4×",
  add_bleed: "Add bleed",
  remove_transparency: "Flatten transparency",
  sharpen_edges: "Sharpen edges"
};
var SERVICE_NAMES = { "bg-remove": "Background Removal", stickers: "Stickers", "preflight-ai-fix": "AI fixes and upscales" };
/** The page that shows a service's job (?job=<id>); AI fix jobs open on Preflight. */
var SERVICE_PAGES = { "bg-remove": "/dashboard/bg-remove", stickers: "/dashboard/stickers" };

function fixPrice(fixType) {
  return (CONFIG.prices.fixes || {})[fixType] || 0;
}

function jobHref(service, jobId) {
  var page = SERVICE_PAGES[service] || "/dashboard/preflight";
  return page + "?job=" + encodeURIComponent(jobId);
}

/**
 * The file a job should read: an upload (sent to the API first, so the
 * service reads it through its signed link) or a link. The preview is
 * something this page may show under its CSP: the local file, or a link to
 * this site; images on other sites are linked, not shown.
 */
async function resolveSource(prefix, status) {
  var fileInput = $("#" + prefix + "-file");
  var urlInput = $("#" + prefix + "-url");
  var file = fileInput.files && fileInput.files[0];
  if (file) {
    status.busy("Uploading " + file.name + "…");
    var stored = await api("/v1/services/uploads", { body: file, contentType: file.type });
    return { url: stored.data.fileUrl, preview: URL.createObjectURL(file), label: file.name };
  }
  var url = urlInput.value.trim();
  if (!url) throw new FormProblem("Paste a link to the file, or choose a file to upload.", urlInput);
  if (!urlInput.checkValidity() || !/^https?:\/\//i.test(url)) {
    throw new FormProblem("The link must be a web address starting with http:// or https://.", urlInput);
  }
  return { url: url, preview: sameOrigin(url) ? url : null, label: url };
}

function statusLine(el) {
  var timer = null;
  var started = Date.now();
  var current = "";
  function stopTimer() {
    if (timer) clearInterval(timer);
    timer = null;
  }
  return {
    busy: function (text) {
      if (!timer) {
        started = Date.now();
        timer = setInterval(tick, 1000);
      }
      if (text === current) return;
      current = text;
      // The seconds are for eyes only: a screen reader hears each new step once.
      add(clear(el), [h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { text: text }), h("span", { class: "hint", "aria-hidden": "true", "data-elapsed": "" })]);
      tick();
    },
    done: function (text, kind) {
      stopTimer();
      current = text;
      add(clear(el), h("span", { class: "badge " + (kind || "ok"), text: text }));
    },
    seconds: function () {
      return Math.round((Date.now() - started) / 1000);
    },
    reset: function () {
      stopTimer();
      current = "";
      clear(el);
    }
  };
  function tick() {
    var elapsed = el.querySelector("[data-elapsed]");
    if (elapsed) elapsed.textContent = Math.round((Date.now() - started) / 1000) + " s";
  }
}

/** One poll may take this long before it is given up and tried again. */
var POLL_TIMEOUT_MS = 20000;

/** Polls until the job is final. Brief outages and rate limits are waited out rather than reported. */
async function pollJob(fetchJob, isFinal, onUpdate) {
  var delay = 1500;
  var failures = 0;
  for (;;) {
    var job;
    try {
      job = await fetchJob();
      failures = 0;
    } catch (err) {
      var passing = err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 500);
      if (!passing || ++failures > 10) throw err;
      await sleep(err.status === 429 ? Number(err.retryAfter || 5) * 1000 : delay * failures);
      continue;
    }
    onUpdate(job);
    if (isFinal(job)) return job;
    await sleep(delay);
    delay = Math.min(delay + 500, 3000);
  }
}

// Follows a job of an asynchronous service (pending → processing → completed | failed) at path,
// saying in status how it goes: working while it runs, more after 90 s.
function followServiceJob(path, status, working) {
  return pollJob(
    function () { return api(path, { timeoutMs: POLL_TIMEOUT_MS }); },
    function (j) { return j.status === "completed" || j.status === "failed"; },
    function (j) {
      if (j.status === "pending") status.busy("Waiting for a free worker…");
      else if (j.status === "processing" && status.seconds() > 90) {
        status.busy("Still working; this is taking longer than usual. You can leave this page: the job carries on and shows under Recent jobs.");
      } else if (j.status === "processing") status.busy(working);
    }
  );
}

// A job page's request or job that failed: the status cleared, the result
// hidden unless an earlier one is still shown, the error said in words.
function jobFailed(err, page) {
  page.status.reset();
  if (!page.after.querySelector("img")) page.result.hidden = true;
  showError(page.errors, err);
}

// The job named in the address (?job=…), shown again by the page's own follow():
// reloading or sharing a job page keeps its job.
function reopenJob(startView, before, follow, status, errors) {
  var jobId = param("job");
  if (!jobId) return;
  startView();
  placeholder(before, "The original is not kept with the job.");
  follow(jobId).catch(function (err) {
    status.reset();
    showError(errors, err);
  });
}

function placeholder(frame, text, link) {
  add(clear(frame), h("p", { class: "placeholder" }, [
    text,
    link ? h("br") : null,
    link ? h("a", { href: safeHref(link, "#"), target: "_blank", rel: "noopener noreferrer", text: "Open it in a new tab" }) : null
  ]));
}

function showImage(frame, src, alt) {
  return new Promise(function (resolve, reject) {
    var img = h("img", { alt: alt });
    img.addEventListener("load", function () {
      img.setAttribute("data-loaded", "true");
      resolve(img);
    });
    img.addEventListener("error", function () { reject(new Error("the image did not load")); });
    img.src = src;
    add(clear(frame), img);
  });
}

function showBefore(frame, source) {
  if (source.preview) return showImage(frame, source.preview, "The original image").catch(function () {
    placeholder(frame, "The original can't be previewed here.", source.url);
  });
  placeholder(frame, "The original is on another site, so it isn't shown here.", source.url);
  return Promise.resolve(null);
}

function meta(dl, rows) {
  clear(dl);
  rows.forEach(function (row) {
    if (row[1] === null || row[1] === undefined || row[1] === "") return;
    dl.appendChild(h("dt", { text: row[0] }));
    dl.appendChild(h("dd", null, row[1]));
  });
}

function txLink(transactionId, service) {
  return h("a", { href: "/dashboard/wallet?service=" + encodeURIComponent(service), text: transactionId });
}

function fixList(fixTypes) {
  return (fixTypes || []).map(function (f) { return FIX_LABELS[f] || f; }).join(", ");
}

function fixStatusText(status) {
  return status === "applying" ? "Applying the fixes…" : "Analysing the file…";
}

function fetchFixJob(jobId) {
  return api("/v1/services/preflight/ai-jobs/" + encodeURIComponent(jobId), { timeoutMs: POLL_TIMEOUT_MS }).then(function (r) { return r.data; });
}

/** Follows an AI fix job to its end, keeping the status line current. */
function followFixJob(jobId, status) {
  return pollJob(
    function () { return fetchFixJob(jobId); },
    function (job) { return job.status === "completed" || job.status === "failed"; },
    function (job) { if (job.status !== "completed" && job.status !== "failed") status.busy(fixStatusText(job.status)); }
  );
}

/** Why a job failed, and that its tokens came back, said once even when the API's reason says so already. */
function failedText(lead, reason, refund) {
  var text = lead + ": " + (reason || "the job failed.");
  if (!/[.!?]$/.test(text)) text += ".";
  return /refund/i.test(reason || "") ? text : text + " " + refund;
}

function fixCostText(job) {
  if (job.status === "failed") return "Failed: all " + tokens(job.tokensDeducted) + " were refunded.";
  var charged = job.tokensCharged === null ? job.tokensDeducted : job.tokensCharged;
  return tokens(charged) + (job.tokensRefunded ? " (" + tokens(job.tokensRefunded) + " refunded for fixes that changed nothing)" : "");
}
`;
