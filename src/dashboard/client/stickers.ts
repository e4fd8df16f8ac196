/** Client script: Stickers (a die-cut sticker, its cut line drawn over it, and its three files). */
export const STICKERS_JS = String.raw`
var ALPHA_SOURCES = { own_alpha: "The artwork's own transparency", colour_key: "Its plain background", model: "Background removal" };
var MM = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

function stickerTokensText(job) {
  if (job.status === "failed") return "None: " + tokens(job.tokens_deducted) + " were held and refunded";
  if (job.tokens_charged === null || job.tokens_charged === undefined) return tokens(job.tokens_deducted) + " held until the job ends";
  var back = job.tokens_deducted - job.tokens_charged;
  return tokens(job.tokens_charged) + (back > 0 ? " (" + NUM.format(back) + " of " + tokens(job.tokens_deducted) + " refunded: no background removal was needed)" : "");
}

/** Resolves once the image has loaded; listeners go on before src, so a cached image cannot load unseen. */
function loadedImage(src, alt, className) {
  var img = h("img", { alt: alt, class: className });
  var loaded = new Promise(function (resolve, reject) {
    img.addEventListener("load", function () {
      img.setAttribute("data-loaded", "true");
      resolve(img);
    });
    img.addEventListener("error", function () { reject(new Error("the image did not load")); });
  });
  img.src = safeHref(src, "");
  return { img: img, loaded: loaded };
}

/**
 * The PNG and the SVG share one canvas (same size, same origin), so the SVG
 * laid over the PNG in the same box draws the cut line exactly where the
 * blade goes, at whatever scale the box has.
 */
async function showSticker(frame, job) {
  var png = loadedImage(job.output_url, "The sticker as printed: artwork, border and bleed", null);
  var cut = loadedImage(job.cut_svg_url, "Its cut line", "cut-line");
  add(clear(frame), h("div", { class: "sticker-stack", id: "stk-stack" }, [png.img, cut.img]));
  await Promise.all([png.loaded, cut.loaded]);
}

function offerDownload(link, url, name) {
  link.href = safeHref(url, "#");
  link.setAttribute("download", name);
  link.hidden = false;
}

PAGES.stickers = function () {
  var form = $("#stk-form");
  var errors = $("#errors");
  var result = $("#stk-result");
  var status = statusLine($("#stk-status"));
  var submit = $("#stk-submit");
  var downloads = [$("#stk-png"), $("#stk-svg"), $("#stk-pdf")];
  var maxLongSidePx = Number(form.getAttribute("data-max-long-side-px"));

  function startView() {
    result.hidden = false;
    downloads.forEach(function (link) { link.hidden = true; });
    clear($("#stk-meta"));
    placeholder($("#stk-after"), "The sticker appears here.");
  }

  async function follow(jobId) {
    var job = await followServiceJob("/v1/services/stickers/" + encodeURIComponent(jobId), status, "Tracing the cut line and making the files…");
    var mmPerPx = 25.4 / job.dpi;
    meta($("#stk-meta"), [
      ["Job", job.job_id],
      ["Size", NUM.format(job.size_inches) + " in at " + NUM.format(job.dpi) + " dpi"],
      ["Canvas", job.width_px && job.height_px
        ? MM.format(job.width_px * mmPerPx) + " × " + MM.format(job.height_px * mmPerPx) + " mm (" + NUM.format(job.width_px) + " × " + NUM.format(job.height_px) + " px, bleed included)"
        : null],
      ["Cut length", job.cut_length_mm === null ? null : h("span", { id: "stk-cut-length", text: MM.format(job.cut_length_mm) + " mm" })],
      ["Pieces", job.pieces === null ? null : h("span", { id: "stk-pieces", text: NUM.format(job.pieces) })],
      ["Outline from", ALPHA_SOURCES[job.alpha_source] || job.alpha_source],
      ["Border", MM.format(job.border_mm) + " mm, " + job.border_color],
      ["Bleed", MM.format(job.bleed_mm) + " mm"],
      ["Smallest inside curve", MM.format(job.min_radius_mm) + " mm"],
      ["Cut", job.single_piece ? "One piece around all the artwork" : "One per separate piece"],
      ["Tokens charged", h("span", { id: "stk-tokens", "data-tokens": job.tokens_charged === null ? null : String(job.tokens_charged), text: stickerTokensText(job) })],
      ["Transaction", job.wallet_transaction_id ? txLink(job.wallet_transaction_id, "stickers") : null],
      ["Started", when(job.created_at)],
      ["Finished", when(job.completed_at)]
    ]);
    refreshBalance().catch(reportTo(errors));
    if (job.status === "failed") {
      status.done("Failed", "bad");
      showError(errors, new FormProblem(failedText("The sticker could not be made", job.error_message, "Your " + tokens(job.tokens_deducted) + " were refunded.")));
      placeholder($("#stk-after"), "No sticker.");
      return;
    }
    status.busy("Loading the sticker…");
    await showSticker($("#stk-after"), job);
    offerDownload(downloads[0], job.output_url, "sticker-" + job.job_id + ".png");
    offerDownload(downloads[1], job.cut_svg_url, "sticker-" + job.job_id + "-cut.svg");
    offerDownload(downloads[2], job.cut_pdf_url, "sticker-" + job.job_id + ".pdf");
    status.done("Completed" + (status.seconds() > 1 ? " in " + status.seconds() + " s" : ""));
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    clear(errors);
    busy(submit, true);
    startView();
    placeholder($("#stk-before"), "");
    try {
      var size = Number($("#size_inches").value);
      var dpi = Number($("#dpi").value);
      // The API's limit on the cut line's pixels, said with the number that fits, before anything is uploaded.
      if (size * dpi > maxLongSidePx) {
        throw new FormProblem("At " + NUM.format(size) + " in, the resolution can be at most " + NUM.format(Math.floor(maxLongSidePx / size)) +
          " dpi: the cut line's longest side is limited to " + NUM.format(maxLongSidePx) + " pixels.", $("#dpi"));
      }
      var source = await resolveSource("stk", status);
      showBefore($("#stk-before"), source);
      status.busy("Starting the job…");
      var created = await api("/v1/services/stickers", {
        idempotencyKey: newKey(),
        json: {
          image_url: source.url,
          subject_type: $("#subject_type").value,
          keep_existing_alpha: $("#keep_existing_alpha").checked,
          size_inches: size,
          dpi: dpi,
          border_mm: Number($("#border_mm").value),
          border_color: $("#border_color").value.toUpperCase(),
          bleed_mm: Number($("#bleed_mm").value),
          min_radius_mm: Number($("#min_radius_mm").value),
          single_piece: $("#single_piece").checked
        }
      });
      // The address now names the job: reloading or sharing the page shows it again.
      setParam("job", created.job_id);
      refreshBalance().catch(reportTo(errors));
      await follow(created.job_id);
    } catch (err) {
      jobFailed(err, { status: status, result: result, after: $("#stk-after"), errors: errors });
    } finally {
      busy(submit, false);
    }
  });

  reopenJob(startView, $("#stk-before"), follow, status, errors);
};
`;
