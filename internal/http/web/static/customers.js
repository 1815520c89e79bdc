// The customers list's script: optional, the list works without it. It
// gives the filter bar's value box the suggestions of the chosen field (and
// a date picker for dates), and makes "select all on this page" tick the
// rows (without it, the server reads that box itself).
(function () {
  "use strict";
  var dateFields = { created_at: true, updated_at: true };

  function fitValueBox() {
    var field = document.getElementById("af");
    var box = document.getElementById("av");
    if (!field || !box) { return; }
    var list = "values-" + field.value.replace(/\./g, "-");
    if (document.getElementById(list)) {
      box.setAttribute("list", list);
    } else {
      box.removeAttribute("list");
    }
    box.type = dateFields[field.value] ? "date" : "text";
  }

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!el.matches) { return; }
    if (el.matches("[data-filter-field]")) {
      fitValueBox();
      return;
    }
    var form = el.form;
    // Not form.id: the rows' boxes are named "id", and would answer.
    if (!form || form.getAttribute("id") !== "bulk") { return; }
    var picks = form.querySelectorAll("input.pick");
    var i;
    if (el.matches("[data-select-all]")) {
      for (i = 0; i < picks.length; i++) { picks[i].checked = el.checked; }
      return;
    }
    if (el.matches("input.pick")) {
      var all = form.querySelector("[data-select-all]");
      var every = true;
      for (i = 0; i < picks.length; i++) { every = every && picks[i].checked; }
      if (all) { all.checked = every; }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fitValueBox);
  } else {
    fitValueBox();
  }
})();
