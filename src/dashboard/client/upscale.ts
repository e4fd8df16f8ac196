/**
 * Client script: Image Upscale. An upscale is a preflight report of the
 * image followed by an AI fix job with one upscale fix type.
 */
export const UPSCALE_JS = String.raw`
PAGES.upscale = function () {
  var form = $("#upscale-form");
  var errors = $("#errors");
  var result = $("#up-result");
  var status = statusLine($("#up-status"));
  var submit = $("#up-submit");
  var download = $("#up-download");
  var detail = $("#up-detail");
  var factor = 2;

  function chosen() {
    return form.querySelector("input[name=factor]:checked").value;
  }
  function label() {
    var fix = chosen();
    submit.textContent = (fix === "upscale_resolution_4x" ? "Upscale 4× (" : "Upscale 2× (") + tokens(fixPrice(fix)) + ")";
  }
  form.addEventListener("change", label);
  label();

  /* The detail view shows both images at the upscaled size: the original
   * enlarged pixel by pixel next to the resampled result, scrolled together. */
  function setDetail(on) {
    var before = $("#up-before");
    var after = $("#up-after");
    [before, after].forEach(function (frame) { frame.classList.toggle("detail", on); });
    var original = $("#up-before img");
    var upscaled = $("#up-after img");
    if (original) {
      original.classList.toggle("pixelated", on);
      original.style.width = on ? original.naturalWidth * factor + "px" : "";
    }
    if (upscaled) upscaled.style.width = on ? upscaled.naturalWidth + "px" : "";
    if (on) {
      [before, after].forEach(function (frame) {
        frame.scrollLeft = (frame.scrollWidth - frame.clientWidth) / 2;
        frame.scrollTop = (frame.scrollHeight - frame.clientHeight) / 2;
      });
    }
  }
  detail.addEventListener("change", function () { setDetail(detail.checked); });
  var syncing = false;
  function mirror(from, to) {
    from.addEventListener("scroll", function () {
      if (syncing || !detail.checked) return;
      syncing = true;
      to.scrollLeft = from.scrollLeft;
      to.scrollTop = from.scrollTop;
      syncing = false;
    });
  }
  mirror($("#up-before"), $("#up-after"));
  mirror($("#up-after"), $("#up-before"));

  function startView() {
    result.hidden = false;
    download.hidden = true;
    detail.checked = false;
    setDetail(false);
    $("#up-detail-toggle").hidden = true;
    clear($("#up-meta"));
    placeholder($("#up-after"), "The result appears here.");
  }

  async function finish(job, report, sourceReady) {
    factor = job.fixTypes.indexOf("upscale_resolution_4x") >= 0 ? 4 : 2;
    var width = report && report.file && report.file.widthPx;
    var height = report && report.file && report.file.heightPx;
    meta($("#up-meta"), [
      ["Job", job.jobId],
      ["Enlarged", factor + "×"],
      ["Original size", width && height ? NUM.format(width) + " × " + NUM.format(height) + " px" : null],
      ["New size", width && height ? NUM.format(width * factor) + " × " + NUM.format(height * factor) + " px" : null],
      ["Cost", fixCostText(job)],
      ["Finished", when(job.completedAt)]
    ]);
    refreshBalance().catch(reportTo(errors));
    if (job.status === "failed") {
      status.done("Failed", "bad");
      showError(errors, new FormProblem(failedText("The image could not be upscaled", job.errorMessage, "The tokens were refunded.")));
      placeholder($("#up-after"), "No result.");
      return;
    }
    if (!job.correctedFileUrl) {
      status.done(job.decision === "rejected" ? "Rejected" : "Completed");
      placeholder($("#up-after"), "The upscaled file is no longer available.");
      return;
    }
    status.busy("Loading the result…");
    await showImage($("#up-after"), job.correctedFileUrl, "The upscaled image").catch(function () {
      placeholder($("#up-after"), "This file can't be previewed here; download it to look at it.");
    });
    await sourceReady;
    download.href = safeHref(job.correctedFileUrl, "#");
    download.setAttribute("download", "upscaled-" + factor + "x-" + job.jobId);
    download.textContent = "Download the " + factor + "× image";
    download.hidden = false;
    $("#up-detail-toggle").hidden = !($("#up-before img") && $("#up-after img"));
    status.done("Completed" + (status.seconds() > 1 ? " in " + status.seconds() + " s" : ""));
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    clear(errors);
    busy(submit, true);
    startView();
    placeholder($("#up-before"), "");
    try {
      var fix = chosen();
      var source = await resolveSource("up", status);
      var sourceReady = showBefore($("#up-before"), source);
      status.busy("Reading the image…");
      var report = (await api("/v1/services/preflight/checks", { json: { designId: "upscale-" + new Date().toISOString().slice(0, 19), fileUrl: source.url } })).data;
      if (report.fileType === "pdf") throw new FormProblem("Upscaling works on images (JPEG, PNG or TIFF); this file is a PDF.");
      status.busy("Upscaling…");
      var created = (await api("/v1/services/preflight/ai-jobs", {
        idempotencyKey: newKey(),
        json: { preflightReportId: report.reportId, options: { fixTypes: [fix] } }
      })).data;
      setParam("job", created.jobId);
      refreshBalance().catch(reportTo(errors));
      await finish(await followFixJob(created.jobId, status), report, sourceReady);
    } catch (err) {
      jobFailed(err, { status: status, result: result, after: $("#up-after"), errors: errors });
    } finally {
      busy(submit, false);
    }
  });

  var jobId = param("job");
  if (jobId) {
    startView();
    placeholder($("#up-before"), "");
    status.busy("Loading the job…");
    (async function () {
      var job = await followFixJob(jobId, status);
      var report = (await api("/v1/services/preflight/checks/" + encodeURIComponent(job.preflightReportId))).data;
      var sourceReady = showBefore($("#up-before"), { url: report.fileUrl, preview: sameOrigin(report.fileUrl) ? report.fileUrl : null });
      await finish(job, report, sourceReady);
    })().catch(function (err) {
      status.reset();
      showError(errors, err);
    });
  }
};
`;
