/** Client script: the API Services overview (usage per service over time, recent jobs). */
export const OVERVIEW_JS = String.raw`
var USAGE_DAYS = 14;
// Three pages of 100 cover a busy fortnight; past that the chart says it is partial.
var USAGE_MAX_PAGES = 3;

function dayKey(date) {
  return date.getFullYear() + "-" + String(date.getMonth() + 1).padStart(2, "0") + "-" + String(date.getDate()).padStart(2, "0");
}

async function transactionsSince(since) {
  var entries = [];
  var cursor = null;
  for (var page = 0; page < USAGE_MAX_PAGES; page++) {
    var result = await api("/v1/wallet/transactions?limit=100" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
    entries = entries.concat(result.data);
    cursor = result.meta.nextCursor;
    var oldest = result.data[result.data.length - 1];
    if (!cursor || (oldest && new Date(oldest.createdAt).getTime() < since)) return { entries: entries, complete: true };
  }
  return { entries: entries, complete: false };
}

/** Tokens a job entry costs: debits take, refunds give back; grants and captures do not count as use. */
function usedBy(entry) {
  return entry.type === "debit" || entry.type === "refund" ? -entry.amount : 0;
}

function renderUsage(box, entries, complete) {
  var today = new Date();
  today.setHours(0, 0, 0, 0);
  var days = [];
  for (var i = USAGE_DAYS - 1; i >= 0; i--) days.push(dayKey(new Date(today.getTime() - i * DAY_MS)));
  var services = Object.keys(SERVICE_NAMES);
  var used = {};
  days.forEach(function (d) { used[d] = {}; });
  entries.forEach(function (e) {
    var d = dayKey(new Date(e.createdAt));
    if (!used[d] || !e.service || !usedBy(e)) return;
    if (services.indexOf(e.service) < 0) services.push(e.service);
    used[d][e.service] = (used[d][e.service] || 0) + usedBy(e);
  });
  var totals = days.map(function (d) { return services.reduce(function (sum, s) { return sum + (used[d][s] || 0); }, 0); });
  var total = totals.reduce(function (a, b) { return a + b; }, 0);
  $("#spent-total").textContent = NUM.format(total);
  if (total === 0) {
    add(clear(box), h("p", { text: "No tokens used in the last " + USAGE_DAYS + " days. Run a service to see its usage here." }));
    return;
  }
  var peak = Math.max.apply(null, totals);
  var chart = h("div", {
    class: "chart", role: "img",
    "aria-label": "Bar chart of tokens used per day: " + NUM.format(total) + " tokens in " + USAGE_DAYS + " days. The numbers are in the table below."
  }, days.map(function (d, i) {
    return h("div", { class: "day", title: d + ": " + tokens(totals[i]) }, services.map(function (s) {
      var seg = h("div", { class: "seg svc-" + (SERVICE_NAMES[s] ? s : "other") });
      seg.style.height = ((used[d][s] || 0) / peak) * 100 + "%";
      return seg;
    }));
  }));
  var rows = days.filter(function (d, i) { return totals[i] !== 0; }).reverse();
  add(clear(box), [
    chart,
    h("div", { class: "chart-axis", "aria-hidden": "true" }, [h("span", { text: days[0] }), h("span", { text: "today" })]),
    h("ul", { class: "legend" }, services.map(function (s) {
      return h("li", null, [h("span", { class: "swatch svc-" + (SERVICE_NAMES[s] ? s : "other"), "aria-hidden": "true" }), SERVICE_NAMES[s] || s]);
    })),
    complete ? null : h("p", { class: "hint", text: "Only your latest " + entries.length + " transactions are counted." }),
    h("details", null, [
      h("summary", { text: "Show the numbers" }),
      h("div", { class: "table-wrap" }, h("table", null, [
        h("caption", { text: "Tokens used per day, after refunds" }),
        h("thead", null, h("tr", null, [h("th", { scope: "col", text: "Day" })].concat(services.map(function (s) {
          return h("th", { scope: "col", class: "num", text: SERVICE_NAMES[s] || s });
        })).concat([h("th", { scope: "col", class: "num", text: "Total" })]))),
        h("tbody", null, rows.map(function (d) {
          var sum = services.reduce(function (acc, s) { return acc + (used[d][s] || 0); }, 0);
          return h("tr", null, [h("th", { scope: "row", text: d })].concat(services.map(function (s) {
            return h("td", { class: "num", text: NUM.format(used[d][s] || 0) });
          })).concat([h("td", { class: "num", text: NUM.format(sum) })]));
        }))
      ]))
    ])
  ]);
}

/** Jobs as the ledger tells them: a debit starts one, a capture completes it, a refund alone means it failed. */
function jobsFrom(entries) {
  var jobs = {};
  var order = [];
  entries.slice().reverse().forEach(function (e) {
    if (!e.jobId) return;
    var job = jobs[e.jobId];
    if (!job) {
      job = jobs[e.jobId] = { id: e.jobId, service: e.service, createdAt: e.createdAt, spent: 0, captured: false, refunded: false };
      order.push(e.jobId);
    }
    job.spent += usedBy(e);
    if (e.type === "capture") job.captured = true;
    if (e.type === "refund") job.refunded = true;
  });
  return order.reverse().map(function (id) { return jobs[id]; });
}

function renderJobs(box, entries) {
  var jobs = jobsFrom(entries).slice(0, 8);
  if (!jobs.length) {
    add(clear(box), h("p", null, ["No jobs yet. Try ", h("a", { href: "/dashboard/bg-remove", text: "Background Removal" }), "."]));
    return;
  }
  add(clear(box), h("div", { class: "table-wrap" }, h("table", null, [
    h("caption", { class: "visually-hidden", text: "Recent jobs, newest first" }),
    h("thead", null, h("tr", null, [
      h("th", { scope: "col", text: "Started" }), h("th", { scope: "col", text: "Service" }), h("th", { scope: "col", text: "Job" }),
      h("th", { scope: "col", text: "Status" }), h("th", { scope: "col", class: "num", text: "Tokens" })
    ])),
    h("tbody", null, jobs.map(function (job) {
      var state = job.captured ? ["Completed", "ok"] : job.refunded ? ["Failed, refunded", "bad"] : ["Running", "neutral"];
      return h("tr", null, [
        h("td", { class: "nowrap", text: shortWhen(job.createdAt) }),
        h("td", { text: SERVICE_NAMES[job.service] || job.service || "" }),
        h("td", null, h("a", { href: jobHref(job.service, job.id), text: job.id })),
        h("td", null, h("span", { class: "badge " + state[1], text: state[0] })),
        h("td", { class: "num", text: NUM.format(job.spent) })
      ]);
    }))
  ])));
}

PAGES.overview = async function () {
  var today = new Date();
  today.setHours(0, 0, 0, 0);
  try {
    var loaded = await transactionsSince(today.getTime() - (USAGE_DAYS - 1) * DAY_MS);
    renderUsage($("#usage"), loaded.entries, loaded.complete);
    renderJobs($("#recent-jobs"), loaded.entries);
  } catch (err) {
    clear($("#usage"));
    clear($("#recent-jobs"));
    showError($("#errors"), err);
  }
};
`;
