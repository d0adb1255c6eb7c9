// Keeps a progress region current without reloading the page: while the region carries
// data-refresh-seconds, its HTML is fetched again at that interval and swapped in place (focus
// and scroll stay where the reader left them; the summary is a live status region, so screen
// readers hear the new counts). A 暂停自动刷新 button stops and restarts it (WCAG 2.2.1). A region
// marked data-reload-when-done (a submission's desk page) reloads the whole page instead once
// nothing waits any more, since the page's state and buttons changed with it.
(function () {
  "use strict";
  var region = document.getElementById("publication-progress");
  var toggle = document.getElementById("refresh-toggle");
  if (!region || !toggle) return;
  var timer = null;
  var paused = false;

  function seconds() {
    return parseInt(region.getAttribute("data-refresh-seconds") || "0", 10);
  }

  function schedule() {
    window.clearTimeout(timer);
    toggle.hidden = seconds() <= 0;
    if (!paused && seconds() > 0) timer = window.setTimeout(refresh, seconds() * 1000);
  }

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("publication-progress");
          var done = !fresh || (fresh.getAttribute("data-refresh-seconds") || "0") === "0";
          if (done && region.hasAttribute("data-reload-when-done")) {
            // the rest of the page (state, buttons) changed too: show all of it
            window.location.reload();
            return;
          }
          if (fresh) {
            region.innerHTML = fresh.innerHTML;
            region.setAttribute("data-refresh-seconds", fresh.getAttribute("data-refresh-seconds") || "0");
          }
        }
        schedule();
      })
      .catch(schedule);
  }

  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.textContent = paused ? "继续自动刷新" : "暂停自动刷新";
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    schedule();
  });
  schedule();
})();
