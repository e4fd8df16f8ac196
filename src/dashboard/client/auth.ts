/** Client script: log in and sign up. */
export const AUTH_JS = String.raw`
function keepNextOnLinks() {
  var next = param("next");
  if (!next) return;
  $$("a[data-keep-next]").forEach(function (a) {
    a.href = a.pathname + "?next=" + encodeURIComponent(safeNext(next));
  });
}

function afterLogin(response, email) {
  saveAuth(response, email);
  location.assign(safeNext(param("next")));
}

PAGES.login = function () {
  if (readAuth()) return location.replace(safeNext(param("next")));
  keepNextOnLinks();
  var notices = {
    expired: "Your login has expired (it lasts an hour). Please log in again.",
    logout: "You have logged out."
  };
  var reason = param("reason");
  if (notices[reason]) $("#notice").appendChild(h("div", { class: "alert info" }, h("p", { text: notices[reason] })));

  var form = $("#login-form");
  var errors = $("#errors");
  var demo = $("[data-action=fill-demo]");
  if (demo) demo.addEventListener("click", function () {
    $("#email").value = "demo@example.com";
    $("#password").value = "Demo-pass-1";
    form.querySelector("button[type=submit]").focus();
  });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    busy(button, true);
    clear(errors);
    var email = $("#email").value.trim();
    try {
      afterLogin(await api("/v1/account/login", { auth: false, json: { email: email, password: $("#password").value } }), email);
    } catch (err) {
      showError(errors, err, { 401: "That email and password don't match an account. Check both and try again." });
      busy(button, false);
      $("#password").focus();
    }
  });
};

PAGES.signup = function () {
  if (readAuth()) return location.replace(safeNext(param("next")));
  keepNextOnLinks();
  var form = $("#signup-form");
  var errors = $("#errors");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    busy(button, true);
    clear(errors);
    var email = $("#email").value.trim();
    var body = { email: email, password: $("#password").value };
    var name = $("#name").value.trim();
    if (name) body.name = name;
    try {
      afterLogin(await api("/v1/account", { auth: false, json: body }), email);
    } catch (err) {
      showError(errors, err, {
        409: function () {
          return { text: "An account with this email already exists.", action: { href: "/dashboard/login", label: "Log in instead" } };
        }
      });
      busy(button, false);
    }
  });
};
`;
