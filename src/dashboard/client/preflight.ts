/** Client script: Preflight AI (quick DPI, full check, fixes with approve or reject). */
export const PREFLIGHT_JS = String.raw`
var PRODUCT_NAMES = {
  photo_on_canvas: "Photo on canvas", poster: "Poster", wallpaper: "Wallpaper",
  framed_print: "Framed print", wrapping_paper: "Wrapping paper", stock_canvas: "Stock canvas"
};
var SEVERITY = { error: ["Error", "bad"], warning: ["Warning", "warn"], info: ["Note", "neutral"] };
var REPORT_STATUS = { passed: ["Passed", "ok"], warnings: ["Passed with warnings", "warn"], failed: ["Failed", "bad"] };

function numberOf(id) {
  var value = $("#" + id).value.trim();
  return value === "" ? undefined : Number(value);
}

function stars(count) {
  var on = "★★★★★".slice(0, count);
  var off = "★★★★★".slice(count);
  return h("span", { class: "stars", role: "img", "aria-label": count + " of 5 stars" }, [on, h("span", { class: "off", text: off })]);
}

function renderScore(box, score) {
  add(clear(box), [
    h("div", { class: "score" }, [stars(score.stars), h("span", { class: "score-label", text: score.label })]),
    (function () {
      var dl = h("dl", { class: "meta" });
      meta(dl, [
        ["Effective resolution", score.effectivePpi + " ppi (" + PRODUCT_NAMES[score.productType] + " needs at least " + score.minPpi + ")"],
        ["Largest print at " + score.minPpi + " ppi", score.maxPrintSizeInches.width + " × " + score.maxPrintSizeInches.height + " in"],
        ["Cut off to fit the canvas", score.cropPercent + " %"]
      ]);
      return dl;
    })()
  ]);
}

function initQuickDpi() {
  var form = $("#dpi-form");
  var errors = $("#dpi-errors");
  var result = $("#dpi-result");
  var latest = 0;
  var timer = null;
  async function rate() {
    if (!form.checkValidity()) return;
    var mine = ++latest;
    try {
      var score = (await api("/v1/services/preflight/dpi-score", { json: {
        widthPx: numberOf("widthPx"), heightPx: numberOf("heightPx"),
        canvasWidthInches: numberOf("canvasWidthInches"), canvasHeightInches: numberOf("canvasHeightInches"),
        productType: $("#productType").value
      } })).data;
      // Typing fires several requests; only the answer to the newest one is shown.
      if (mine !== latest) return;
      clear(errors);
      renderScore(result, score);
    } catch (err) {
      if (mine === latest) showError(errors, err);
    }
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (form.reportValidity()) rate();
  });
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(rate, 350);
  }
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  rate();
}

function size(w, h, unit) {
  return NUM.format(w) + " × " + NUM.format(h) + " " + unit;
}

/** The facts a shop cares about, from whichever analyzer wrote the report (raster or PDF). */
var FACTS = [
  ["Readable", function (f) { return f.readable === false ? "No: " + (f.reason || "the file is damaged") : null; }],
  ["Pixels", function (f) { return f.widthPx && f.heightPx ? size(f.widthPx, f.heightPx, "px") + (f.megapixels ? " (" + f.megapixels + " MP)" : "") : null; }],
  ["Colour mode", function (f) { return f.colorMode ? String(f.colorMode).toUpperCase() : null; }],
  ["Bit depth", function (f) { return f.bitDepth ? f.bitDepth + " bits per channel" : null; }],
  ["Resolution in the file", function (f) { return f.embeddedDpi ? (f.embeddedDpi.x === f.embeddedDpi.y ? f.embeddedDpi.x : f.embeddedDpi.x + " × " + f.embeddedDpi.y) + " dpi" : null; }],
  ["Print size", function (f) { return f.printSizeInches ? size(f.printSizeInches.width, f.printSizeInches.height, "in") : null; }],
  ["Effective resolution", function (f) { return f.effectivePpi ? f.effectivePpi + " ppi (" + f.requiredDpi + " required)" : null; }],
  ["Transparency", function (f) { return f.hasAlphaChannel ? (f.alphaUsed ? "Used" : "Alpha channel, fully opaque") : null; }],
  ["Colour profile", function (f) { return f.iccProfile ? (f.iccProfile.present ? f.iccProfile.description || "Embedded" : "None") : null; }],
  ["PDF version", function (f) { return f.pdfVersion || null; }],
  ["Pages", function (f) { return typeof f.pages === "number" ? NUM.format(f.pages) : null; }],
  ["Trim size (page 1)", function (f) { var b = f.pageBoxes && f.pageBoxes[0]; return b ? size(b.trimSizeMm.width, b.trimSizeMm.height, "mm") : null; }],
  ["Fonts", function (f) {
    if (!Array.isArray(f.fonts)) return null;
    var missing = f.fonts.filter(function (font) { return !font.embedded; }).length;
    return f.fonts.length + (missing ? " (" + missing + " not embedded)" : ", all embedded");
  }],
  ["Placed images", function (f) { return Array.isArray(f.images) ? NUM.format(f.images.length) : null; }]
];

/** The report: verdict, facts about the file, then each issue with its severity, page and fix. */
function renderReport(box, report, onFix) {
  var verdict = REPORT_STATUS[report.status] || [report.status, "neutral"];
  var s = report.summary;
  var facts = h("dl", { class: "meta" });
  meta(facts, [["Design", report.designId], ["File type", report.fileType.toUpperCase()], ["Checked", when(report.createdAt)]]
    .concat(FACTS.map(function (fact) { return [fact[0], fact[1](report.file || {})]; })));

  var fixable = [];
  report.issues.forEach(function (issue) {
    if (issue.fixable && issue.fixType && fixable.indexOf(issue.fixType) < 0) fixable.push(issue.fixType);
  });

  var rank = { error: 0, warning: 1, info: 2 };
  var issues = report.issues.slice().sort(function (a, b) { return (rank[a.severity] || 0) - (rank[b.severity] || 0); });
  var table = null;
  if (issues.length) {
    table = h("div", { class: "table-wrap" }, h("table", null, [
      h("caption", { class: "visually-hidden", text: "Issues found" }),
      h("thead", null, h("tr", null, [
        h("th", { scope: "col", text: "Severity" }), h("th", { scope: "col", text: "Issue" }),
        h("th", { scope: "col", text: "Page" }), h("th", { scope: "col", text: "Fix" })
      ])),
      h("tbody", null, issues.map(function (issue) {
        var sev = SEVERITY[issue.severity] || [issue.severity, "neutral"];
        return h("tr", null, [
          h("td", null, h("span", { class: "badge " + sev[1], text: sev[0] })),
          h("td", null, [issue.message, h("br"), h("span", { class: "hint", text: issue.code })]),
          h("td", { text: issue.page ? String(issue.page) : "—" }),
          h("td", { class: "nowrap" }, onFix && issue.fixable && issue.fixType
            ? h("button", {
                type: "button", class: "button secondary small",
                "aria-label": (FIX_LABELS[issue.fixType] || issue.fixType) + " for: " + issue.message,
                onclick: function () { onFix([issue.fixType]); },
                text: FIX_LABELS[issue.fixType] || "Fix"
              })
            : "—")
        ]);
      }))
    ]));
  }

  add(clear(box), [
    h("p", null, [h("span", { class: "badge " + verdict[1], text: verdict[0] }), " ",
      s.errors + (s.errors === 1 ? " error, " : " errors, ") + s.warnings + (s.warnings === 1 ? " warning, " : " warnings, ") + s.info + (s.info === 1 ? " note" : " notes")]),
    facts,
    h("h3", { text: report.issues.length ? "Issues" : "No issues found" }),
    table,
    onFix && fixable.length > 1
      ? h("div", { class: "actions" }, h("button", { type: "button", class: "button", onclick: function () { onFix(fixable); }, text: "Fix all fixable issues (" + fixable.length + ")" }))
      : null
  ]);
}

/** Fixes: the estimated cost first, then the job, then approve or reject. */
function fixFlow(report) {
  var section = $("#fix");
  var body = $("#fix-body");
  var errors = $("#fix-errors");

  function open() {
    section.hidden = false;
    clear(errors);
    clear(body);
    $("#fix-heading").focus();
  }

  function propose(fixTypes) {
    open();
    var max = fixTypes.reduce(function (sum, f) { return sum + fixPrice(f); }, 0);
    var start = h("button", { type: "button", class: "button", text: "Start the fix (up to " + tokens(max) + ")" });
    var cancel = h("button", { type: "button", class: "button secondary", text: "Cancel" });
    add(body, [
      h("p", null, [h("strong", { text: fixList(fixTypes) }), ": estimated cost up to " + tokens(max) + "."]),
      h("p", { class: "hint", text: "The tokens are taken when the fix starts. A fix that turns out to change nothing is refunded, and so is a job that fails." }),
      h("div", { class: "actions" }, [start, cancel])
    ]);
    cancel.addEventListener("click", function () { section.hidden = true; });
    start.addEventListener("click", async function () {
      busy(start, true);
      cancel.disabled = true;
      clear(errors);
      try {
        var created = (await api("/v1/services/preflight/ai-jobs", {
          idempotencyKey: newKey(),
          json: { preflightReportId: report.reportId, options: { fixTypes: fixTypes } }
        })).data;
        setParam("job", created.jobId);
        refreshBalance().catch(reportTo(errors));
        await follow(created.jobId);
      } catch (err) {
        showError(errors, err);
        busy(start, false);
        cancel.disabled = false;
      }
    });
  }

  async function follow(jobId) {
    open();
    var status = statusLine(body.appendChild(h("div", { class: "status", role: "status", "aria-live": "polite" })));
    status.busy("Starting…");
    var job = await followFixJob(jobId, status);
    refreshBalance().catch(reportTo(errors));
    showJob(job, status);
  }

  function showJob(job, status) {
    var details = h("dl", { class: "meta" });
    meta(details, [
      ["Job", job.jobId],
      ["Fixes", fixList(job.fixTypes)],
      ["Applied", job.appliedFixTypes ? fixList(job.appliedFixTypes) || "None were needed" : null],
      ["Estimate", job.estimatedTokenCost.min === job.estimatedTokenCost.max ? tokens(job.estimatedTokenCost.max) : tokens(job.estimatedTokenCost.min) + " to " + NUM.format(job.estimatedTokenCost.max)],
      ["Cost", fixCostText(job)],
      ["Finished", when(job.completedAt)]
    ]);
    body.appendChild(details);
    if (job.status === "failed") {
      status.done("Failed", "bad");
      showError(errors, new FormProblem(failedText("The fix could not be applied", job.errorMessage, "The tokens were refunded.")));
      return;
    }
    status.done(job.decision === "approved" ? "Approved" : job.decision === "rejected" ? "Rejected" : "Completed");
    if (job.correctedFileUrl) {
      var frame = h("div", { class: "frame" });
      body.appendChild(h("figure", null, [h("figcaption", { text: "Corrected file" }), frame]));
      showImage(frame, job.correctedFileUrl, "The corrected file").catch(function () {
        placeholder(frame, "This file type can't be previewed here; download it to look at it.");
      });
      body.appendChild(h("div", { class: "actions" }, h("a", {
        class: "button secondary", href: safeHref(job.correctedFileUrl, "#"), download: "corrected-" + job.jobId, text: "Download the corrected file"
      })));
    }
    if (!job.decision) decide(job);
    else if (job.decision === "approved" && job.approvedReportId) showApproved(job.approvedReportId);
    else if (job.decision === "rejected") body.appendChild(h("p", { text: "You rejected this result; the corrected file was deleted." }));
  }

  function decide(job) {
    var approve = h("button", { type: "button", class: "button", text: "Approve" });
    var reject = h("button", { type: "button", class: "button danger", text: "Reject" });
    var box = h("div", null, [
      h("p", { class: "hint", text: "Approve to check the corrected file again and keep it. Reject to delete it; the tokens stay spent because the work was done." }),
      h("div", { class: "actions" }, [approve, reject])
    ]);
    body.appendChild(box);
    approve.addEventListener("click", async function () {
      busy(approve, true);
      reject.disabled = true;
      clear(errors);
      try {
        var approved = (await api("/v1/services/preflight/ai-jobs/" + encodeURIComponent(job.jobId) + "/approve", { method: "POST" })).data;
        box.remove();
        body.appendChild(h("div", { class: "alert success", role: "status" }, h("p", { text: "Approved. The corrected file was checked again:" })));
        var again = h("div");
        body.appendChild(again);
        renderReport(again, approved.report, null);
      } catch (err) {
        showError(errors, err);
        busy(approve, false);
        reject.disabled = false;
      }
    });
    reject.addEventListener("click", async function () {
      if (!window.confirm("Reject the result and delete the corrected file? The tokens are not refunded.")) return;
      busy(reject, true);
      approve.disabled = true;
      clear(errors);
      try {
        await api("/v1/services/preflight/ai-jobs/" + encodeURIComponent(job.jobId) + "/reject", { method: "POST" });
        clear(body);
        body.appendChild(h("div", { class: "alert info", role: "status" }, h("p", { text: "Rejected. The corrected file was deleted." })));
      } catch (err) {
        showError(errors, err);
        busy(reject, false);
        approve.disabled = false;
      }
    });
  }

  async function showApproved(reportId) {
    var again = h("div");
    body.appendChild(again);
    try {
      renderReport(again, (await api("/v1/services/preflight/checks/" + encodeURIComponent(reportId))).data, null);
    } catch (err) {
      showError(errors, err);
    }
  }

  return { propose: propose, follow: follow };
}

function initFullCheck() {
  var form = $("#check-form");
  var errors = $("#check-errors");
  var status = statusLine($("#check-status"));
  var submit = $("#check-submit");
  $("#designId").value = "design-" + new Date().toISOString().slice(0, 10);

  function show(report) {
    $("#report").hidden = false;
    $("#fix").hidden = true;
    var flow = fixFlow(report);
    renderReport($("#report-body"), report, flow.propose);
    return flow;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    clear(errors);
    busy(submit, true);
    try {
      var width = numberOf("checkCanvasWidth");
      var height = numberOf("checkCanvasHeight");
      if ((width === undefined) !== (height === undefined)) {
        throw new FormProblem("Give both the canvas width and height, or neither.", $(width === undefined ? "#checkCanvasWidth" : "#checkCanvasHeight"));
      }
      var source = await resolveSource("check", status);
      status.busy("Checking the file…");
      var body = { designId: $("#designId").value.trim(), fileUrl: source.url, productProfile: {} };
      if ($("#fileType").value) body.fileType = $("#fileType").value;
      if (numberOf("requiredDpi") !== undefined) body.productProfile.requiredDpi = numberOf("requiredDpi");
      body.productProfile.requiredColorMode = $("#requiredColorMode").value;
      if (numberOf("bleedMm") !== undefined) body.productProfile.bleedMm = numberOf("bleedMm");
      if (width !== undefined) {
        body.canvasWidthInches = width;
        body.canvasHeightInches = height;
      }
      if ($("#checkProductType").value) body.productType = $("#checkProductType").value;
      var report = (await api("/v1/services/preflight/checks", { json: body })).data;
      status.done("Checked");
      setParam("job", "");
      setParam("report", report.reportId);
      show(report);
      $("#report-heading").focus();
    } catch (err) {
      status.reset();
      showError(errors, err);
    } finally {
      busy(submit, false);
    }
  });

  var reportId = param("report");
  var jobId = param("job");
  if (jobId) {
    fetchFixJob(jobId)
      .then(function (job) {
        return api("/v1/services/preflight/checks/" + encodeURIComponent(job.preflightReportId))
          .then(function (r) { return show(r.data); }, function () { return fixFlow({ reportId: job.preflightReportId }); });
      })
      .then(function (flow) { return flow.follow(jobId); })
      .catch(function (err) {
        $("#fix").hidden = false;
        showError($("#fix-errors"), err);
      });
  } else if (reportId) {
    api("/v1/services/preflight/checks/" + encodeURIComponent(reportId))
      .then(function (r) { show(r.data); })
      .catch(reportTo(errors));
  }
}

PAGES.preflight = function () {
  initQuickDpi();
  initFullCheck();
};
`;
