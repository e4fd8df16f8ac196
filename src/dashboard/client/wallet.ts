/** Client script: Wallet & Billing (transactions, buy tokens). */
export const WALLET_JS = String.raw`
var TX_TYPES = { grant: "Tokens added", debit: "Charged", capture: "Charge confirmed", refund: "Refunded" };
var TX_PAGE_SIZE = 20;

function amountCell(entry) {
  var sign = entry.amount > 0 ? "+" : entry.amount < 0 ? "\u2212" : "";
  return h("td", { class: "num " + (entry.amount > 0 ? "plus" : entry.amount < 0 ? "minus" : ""), text: sign + NUM.format(Math.abs(entry.amount)) });
}

function initTransactions() {
  var select = $("#tx-service");
  var box = $("#tx-table");
  var older = $("#tx-older");
  var newer = $("#tx-newer");
  var pageInfo = $("#tx-page");
  var errors = $("#errors");
  // Cursors of the pages seen so far, so "Newer" can go back without the API paging backwards.
  var cursors = [null];
  var index = 0;
  var next = null;
  select.value = param("service") || "";

  async function load() {
    older.disabled = newer.disabled = true;
    var query = "?limit=" + TX_PAGE_SIZE + (cursors[index] ? "&cursor=" + encodeURIComponent(cursors[index]) : "") +
      (select.value ? "&service=" + encodeURIComponent(select.value) : "");
    try {
      var page = await api("/v1/wallet/transactions" + query);
      clear(errors);
      next = page.meta.nextCursor;
      render(page.data);
      older.disabled = !next;
      newer.disabled = index === 0;
      pageInfo.textContent = "Page " + (index + 1);
    } catch (err) {
      showError(errors, err);
      newer.disabled = index === 0;
    }
  }

  function render(entries) {
    if (!entries.length) {
      add(clear(box), h("p", { text: select.value ? "No transactions for this service yet." : "No transactions yet." }));
      return;
    }
    add(clear(box), h("table", null, [
      h("caption", { class: "visually-hidden", text: "Transactions, newest first" }),
      h("thead", null, h("tr", null, [
        h("th", { scope: "col", text: "Date" }), h("th", { scope: "col", text: "Transaction" }), h("th", { scope: "col", text: "What" }),
        h("th", { scope: "col", text: "Service" }), h("th", { scope: "col", text: "Job" }),
        h("th", { scope: "col", class: "num", text: "Tokens" }), h("th", { scope: "col", class: "num", text: "Balance after" })
      ])),
      h("tbody", null, entries.map(function (e) {
        return h("tr", { "data-type": e.type }, [
          h("td", { class: "nowrap", text: shortWhen(e.createdAt) }),
          h("td", null, h("code", { text: e.id })),
          h("td", null, [TX_TYPES[e.type] || e.type, e.reason ? h("span", { class: "hint", text: e.reason }) : null]),
          h("td", { text: e.service ? SERVICE_NAMES[e.service] || e.service : "—" }),
          h("td", null, e.jobId ? h("a", { href: jobHref(e.service, e.jobId), text: e.jobId }) : "—"),
          amountCell(e),
          h("td", { class: "num", text: NUM.format(e.balanceAfter) })
        ]);
      }))
    ]));
  }

  select.addEventListener("change", function () {
    cursors = [null];
    index = 0;
    setParam("service", select.value);
    load();
  });
  older.addEventListener("click", function () {
    cursors[index + 1] = next;
    index++;
    load();
  });
  newer.addEventListener("click", function () {
    index = Math.max(0, index - 1);
    load();
  });
  load();
}

function initBuy() {
  var notice = $("#buy-notice");
  $$("[data-buy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var amount = Number(button.getAttribute("data-buy"));
      $("#buy-tokens").textContent = String(amount);
      add(clear(notice), h("div", { class: "alert info" }, [
        h("p", { text: "The " + button.getAttribute("data-pack") + " pack (" + tokens(amount) + ") is paid at your payment provider's checkout, and no checkout is connected to this deployment yet." }),
        h("p", { text: "Once one is, its webhook credits your wallet as shown below. Until then, an operator can credit the pack with the request below." })
      ]));
    });
  });
  $$("[data-action=refresh-balance]").forEach(function (button) {
    button.addEventListener("click", async function () {
      busy(button, true);
      try {
        var wallet = await refreshBalance();
        add(clear(notice), h("div", { class: "alert success" }, h("p", { text: "Balance updated: " + tokens(wallet.balance) + "." })));
      } catch (err) {
        showError($("#errors"), err);
      } finally {
        busy(button, false);
      }
    });
  });
}

PAGES.wallet = function () {
  if (param("tab") === "buy") initBuy();
  else initTransactions();
};
`;
