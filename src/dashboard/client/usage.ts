/** Client script: Usage (GET /v1/usage for a range and grouping, and its CSV). */
export const USAGE_JS = String.raw`
var USAGE_GROUP_LABELS = { day: "Day", service: "Service", shopper: "Shopper" };
var USAGE_COLUMNS = [
  ["charged", "Charged"], ["refunded", "Refunded"], ["net", "Net"], ["captured", "Captured"],
  ["jobsCompleted", "Jobs completed"], ["jobsFailed", "Jobs failed"]
];

function usageGroupCell(groupBy, group) {
  if (groupBy === "shopper" && group === null) {
    return h("th", { scope: "row" }, [h("span", { text: "(account)" }), h("span", { class: "hint", text: "no shopper reference" })]);
  }
  if (groupBy === "service") {
    return h("th", { scope: "row" }, [h("span", { text: SERVICE_NAMES[group] || group }), h("code", { class: "hint", text: group })]);
  }
  return h("th", { scope: "row" }, h("span", { text: group }));
}

function usageQuery(from, to, groupBy) {
  var params = new URLSearchParams();
  if (from) params.set("from", from);
  if (to) params.set("to", to);
  params.set("group_by", groupBy);
  return params.toString();
}

function renderUsageReport(report) {
  var meta = report.meta;
  var t = meta.totals;
  $("#usage-net").textContent = NUM.format(t.net);
  $("#usage-summary").textContent = "tokens: " + NUM.format(t.charged) + " charged, " + NUM.format(t.refunded) + " refunded · " +
    NUM.format(meta.granted) + " added (not usage) · " + meta.from + " to " + meta.to + " (UTC)";
  $("#usage-jobs").textContent = NUM.format(t.jobsCompleted + t.jobsFailed);
  $("#usage-jobs-detail").textContent = NUM.format(t.jobsCompleted) + " completed, " + NUM.format(t.jobsFailed) + " failed";
  $("#usage-table-heading").textContent = "Usage per " + USAGE_GROUP_LABELS[meta.groupBy].toLowerCase();

  var box = $("#usage-table");
  if (!report.data.length) {
    add(clear(box), h("p", { text: "No usage from " + meta.from + " to " + meta.to + "." }));
    return;
  }
  add(clear(box), h("table", { id: "usage-rows", class: "usage-table" }, [
    h("caption", { class: "visually-hidden", text: "Tokens and jobs per " + USAGE_GROUP_LABELS[meta.groupBy].toLowerCase() + ", " + meta.from + " to " + meta.to }),
    h("thead", null, h("tr", null, [h("th", { scope: "col", text: USAGE_GROUP_LABELS[meta.groupBy] })].concat(USAGE_COLUMNS.map(function (c) {
      return h("th", { scope: "col", class: "num", text: c[1] });
    })))),
    h("tbody", null, report.data.map(function (row) {
      return h("tr", null, [usageGroupCell(meta.groupBy, row.group)].concat(USAGE_COLUMNS.map(function (c) {
        return h("td", { class: "num", "data-column": c[0], text: NUM.format(row[c[0]]) });
      })));
    })),
    h("tfoot", null, h("tr", null, [h("th", { scope: "row", text: "Total" })].concat(USAGE_COLUMNS.map(function (c) {
      return h("td", { class: "num", "data-column": c[0], text: NUM.format(t[c[0]]) });
    }))))
  ]));
}

/** The CSV comes from the API with the bearer token, so a plain link cannot fetch it: it is saved from memory. */
async function saveUsageCsv(link) {
  var csv = await api(link.getAttribute("href"), { accept: "text/csv", text: true });
  var blobUrl = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
  var save = h("a", { href: blobUrl, download: link.getAttribute("download"), hidden: true });
  document.body.appendChild(save);
  save.click();
  save.remove();
  setTimeout(function () { URL.revokeObjectURL(blobUrl); }, 60000);
}

PAGES.usage = function () {
  var form = $("#usage-form");
  var fromInput = $("#usage-from");
  var toInput = $("#usage-to");
  var groupSelect = $("#usage-group");
  var submit = $("#usage-submit");
  var csvLink = $("#usage-csv");
  var errors = $("#errors");
  fromInput.value = param("from") || "";
  toInput.value = param("to") || "";
  groupSelect.value = USAGE_GROUP_LABELS[param("group_by")] ? param("group_by") : "day";

  async function load() {
    busy(submit, true);
    try {
      var report = await api("/v1/usage?" + usageQuery(fromInput.value, toInput.value, groupSelect.value));
      clear(errors);
      // The range the API used (its defaults filled in), so the table, the form and the CSV agree.
      fromInput.value = report.meta.from;
      toInput.value = report.meta.to;
      csvLink.setAttribute("href", "/v1/usage?" + usageQuery(report.meta.from, report.meta.to, report.meta.groupBy));
      csvLink.setAttribute("download", "usage_" + report.meta.from + "_" + report.meta.to + "_by-" + report.meta.groupBy + ".csv");
      csvLink.removeAttribute("aria-disabled");
      renderUsageReport(report);
    } catch (err) {
      csvLink.setAttribute("aria-disabled", "true");
      add(clear($("#usage-table")), h("p", { class: "hint", text: "No report for this range." }));
      showError(errors, err);
    } finally {
      busy(submit, false);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    setParam("from", fromInput.value);
    setParam("to", toInput.value);
    setParam("group_by", groupSelect.value === "day" ? "" : groupSelect.value);
    load();
  });
  csvLink.addEventListener("click", async function (event) {
    event.preventDefault();
    if (csvLink.getAttribute("aria-disabled") === "true") return;
    try {
      await saveUsageCsv(csvLink);
    } catch (err) {
      showError(errors, err);
    }
  });
  csvLink.setAttribute("aria-disabled", "true");
  load();
};
`;
