// The app's only script (the CSP allows no inline script). Pages work without it as plain
// forms; with it, htmx sends the CSRF token on its requests and confirmations are asked.
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box && box.matches && box.matches("input[data-select-all]")) {
      document.querySelectorAll("input[name='selected']").forEach(function (item) {
        item.checked = box.checked;
      });
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    var message = target && target.getAttribute && target.getAttribute("data-confirm-click");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
