// 年报体检: clicking a finding scrolls to its cell and flashes it. Without JS the link still jumps
// to the cell and CSS :target marks it; this only replays the flash on every click.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.cell-link");
  if (!link) return;
  var cell = document.getElementById(decodeURIComponent(link.hash.slice(1)));
  if (!cell) return;
  event.preventDefault();
  history.replaceState(null, "", link.hash);
  cell.scrollIntoView({ block: "center", behavior: "smooth" });
  cell.classList.remove("flash");
  void cell.offsetWidth; // restart the animation
  cell.classList.add("flash");
  cell.setAttribute("tabindex", "-1");
  cell.focus({ preventScroll: true });
});

// Upload: the button is disabled while the files upload (a second click would start a second batch);
// a page shown again from the history (the upload failed or the user came back) enables it again.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains("upload-form")) return;
  var button = form.querySelector("button[type=submit]");
  if (!button) return;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.dataset.label = button.textContent;
  button.textContent = "正在上传…";
});
window.addEventListener("pageshow", function () {
  document.querySelectorAll(".upload-form button[type=submit][disabled]").forEach(function (button) {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (button.dataset.label) button.textContent = button.dataset.label;
  });
});

// Scans are read by OCR in the background: poll the status (the batch is the cookie's) and move each
// file's progress bar; when none is left, load the page again to show the results. Without JS the
// "刷新查看进度" link does the same by hand.
(function () {
  var results = document.querySelector("#results[data-status-url]");
  if (!results) return;
  var url = results.getAttribute("data-status-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var left = {};
        data.pending.forEach(function (p) { left[p.index] = p; });
        var waiting = 0;
        document.querySelectorAll("[data-pending]").forEach(function (box) {
          var p = left[box.getAttribute("data-pending")];
          if (!p) return;
          waiting += 1;
          var bar = box.querySelector("progress");
          var text = box.querySelector(".progress-text");
          if (p.total) {
            bar.max = p.total;
            bar.value = p.done;
            text.textContent = "已识别 " + p.done + " / " + p.total + " 页";
          }
        });
        if (waiting === 0 || data.pending.length === 0) {
          location.reload();
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () { setTimeout(poll, 5000); }); // rate-limited or offline: try again, more slowly
  }
  setTimeout(poll, 1000);
})();
