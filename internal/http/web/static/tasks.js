// The work lists and the activity forms: the server reads "today" and the
// due and reminder times typed in a form in the browser's time zone, which
// this script keeps in a cookie (without it, the server takes UTC).
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) { return; }
  var value = encodeURIComponent(zone);
  if (document.cookie.split("; ").indexOf("guanxi_tz=" + value) < 0) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = "guanxi_tz=" + value + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
  }
  // A form says the zone it reads times in: the one now known (the server
  // wrote UTC on a first visit, before the cookie).
  function showZone() {
    var shown = document.querySelectorAll("[data-time-zone]");
    for (var i = 0; i < shown.length; i++) { shown[i].textContent = zone; }
  }
  showZone();
  document.addEventListener("htmx:afterSettle", showZone);
})();
