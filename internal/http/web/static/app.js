// Guanxi's UI script: small, plain, optional. Every page works without it;
// it only makes pages nicer to use.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  // A select marked data-autosubmit (the language switch) submits its form
  // when changed, so its button can hide.
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  // Times are written in UTC by the server; show them in the browser's zone,
  // in the page's language.
  function localizeTimes(scope) {
    if (!window.Intl || !Intl.DateTimeFormat) { return; }
    var lang = root.lang || "en";
    var formats = {
      date: new Intl.DateTimeFormat(lang, { dateStyle: "medium" }),
      datetime: new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }),
      // A day of the calendar (datetime="2026-05-15"): the same day in
      // every time zone.
      day: new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" })
    };
    var times = scope.querySelectorAll ? scope.querySelectorAll("time[data-format]") : [];
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      var d = new Date(t.getAttribute("datetime"));
      var f = formats[t.getAttribute("data-format")];
      if (f && !isNaN(d.getTime())) {
        t.textContent = f.format(d);
        t.title = t.getAttribute("datetime");
      }
    }
  }

  // The user menu closes on Escape and when focus or a click goes elsewhere.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    var open = document.querySelector("details.user-menu[open]");
    if (open) { open.removeAttribute("open"); open.querySelector("summary").focus(); }
  });
  document.addEventListener("click", function (e) {
    var open = document.querySelector("details.user-menu[open]");
    if (open && !open.contains(e.target)) { open.removeAttribute("open"); }
  });

  // After htmx swaps in an error, move the focus to it, so that keyboard and
  // screen-reader users learn of it.
  document.addEventListener("htmx:afterSwap", function (e) {
    var alert = e.detail && e.detail.target && e.detail.target.querySelector &&
      e.detail.target.querySelector("[role=alert]");
    if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
  });

  if (window.htmx) {
    window.htmx.onLoad(localizeTimes);
  } else {
    document.addEventListener("DOMContentLoaded", function () { localizeTimes(document); });
  }
})();
