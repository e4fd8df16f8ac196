/** Client script: Background Removal. */
export const BG_REMOVE_JS = String.raw`
var SUBJECT_NAMES = { auto: "Automatic", person: "Person", product: "Product", logo: "Logo", text: "Text", hair_heavy: "Hair or fur" };
var CUT_SOURCES = { own_alpha: "The image's own transparency", colour_key: "Its plain background's colour", model: "The background-removal model" };

PAGES["bg-remove"] = function () {
  var form = $("#bg-form");
  var errors = $("#errors");
  var result = $("#bg-result");
  var status = statusLine($("#bg-status"));
  var softness = $("#edge_softness");
  var softnessValue = $("#edge_softness_value");
  var download = $("#bg-download");
  var submit = $("#bg-submit");

  softness.addEventListener("input", function () { softnessValue.textContent = softness.value; });

  // The box shows the API's default for the subject type (the page lists the
  // types it is on for) until it is clicked; from then on it is the user's choice.
  var keepAlpha = $("#keep_existing_alpha");
  var keepsAlphaFor = keepAlpha.getAttribute("data-default-for").split(" ");
  var keepAlphaChosen = false;
  keepAlpha.addEventListener("change", function () { keepAlphaChosen = true; });
  $("#subject_type").addEventListener("change", function () {
    if (!keepAlphaChosen) keepAlpha.checked = keepsAlphaFor.indexOf($("#subject_type").value) >= 0;
  });

  function startView() {
    result.hidden = false;
    download.hidden = true;
    clear($("#bg-meta"));
    placeholder($("#bg-after"), "The result appears here.");
  }

  async function follow(jobId) {
    var job = await followServiceJob("/v1/services/bg-remove/" + encodeURIComponent(jobId), status, "Removing the background… The first job after a quiet spell can take up to a minute.");
    meta($("#bg-meta"), [
      ["Job", job.job_id],
      ["Subject type", SUBJECT_NAMES[job.subject_type] || job.subject_type],
      ["Edge softness", String(job.edge_softness)],
      ["High-detail mode", job.high_detail_mode ? "On" : "Off"],
      ["Background", job.output_background === "white" ? "White" : "Transparent"],
      ["Own transparency", job.keep_existing_alpha ? "Kept when the image has some" : "Not used"],
      ["Cut from", job.alpha_source ? h("span", { id: "bg-alpha-source", "data-alpha-source": job.alpha_source, text: CUT_SOURCES[job.alpha_source] || job.alpha_source }) : null],
      ["Size", job.width && job.height ? NUM.format(job.width) + " × " + NUM.format(job.height) + " px" : null],
      ["Tokens", job.status === "failed" ? tokens(job.tokens_deducted) + ", refunded" : tokens(job.tokens_deducted)],
      ["Transaction", job.wallet_transaction_id ? txLink(job.wallet_transaction_id, "bg-remove") : null],
      ["Started", when(job.created_at)],
      ["Finished", when(job.completed_at)]
    ]);
    refreshBalance().catch(reportTo(errors));
    if (job.status === "failed") {
      status.done("Failed", "bad");
      showError(errors, new FormProblem(failedText("The background could not be removed", job.error_message, "Your " + tokens(job.tokens_deducted) + " were refunded.")));
      placeholder($("#bg-after"), "No result.");
      return;
    }
    status.busy("Loading the result…");
    await showImage($("#bg-after"), job.output_url, "The image with its background removed");
    download.href = safeHref(job.output_url, "#");
    download.setAttribute("download", "cutout-" + job.job_id + ".png");
    download.hidden = false;
    status.done("Completed" + (status.seconds() > 1 ? " in " + status.seconds() + " s" : ""));
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    clear(errors);
    busy(submit, true);
    startView();
    placeholder($("#bg-before"), "");
    try {
      var source = await resolveSource("bg", status);
      showBefore($("#bg-before"), source);
      status.busy("Starting the job…");
      var created = await api("/v1/services/bg-remove", {
        idempotencyKey: newKey(),
        json: {
          image_url: source.url,
          subject_type: $("#subject_type").value,
          edge_softness: Number(softness.value),
          // Sent whether or not it was clicked: the job then records what the form showed.
          keep_existing_alpha: keepAlpha.checked,
          high_detail_mode: $("#high_detail_mode").checked,
          output_background: form.querySelector("input[name=output_background]:checked").value
        }
      });
      // The address now names the job: reloading or sharing the page shows it again.
      setParam("job", created.job_id);
      refreshBalance().catch(reportTo(errors));
      await follow(created.job_id);
    } catch (err) {
      jobFailed(err, { status: status, result: result, after: $("#bg-after"), errors: errors });
    } finally {
      busy(submit, false);
    }
  });

  reopenJob(startView, $("#bg-before"), follow, status, errors);
};
`;
