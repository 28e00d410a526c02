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
