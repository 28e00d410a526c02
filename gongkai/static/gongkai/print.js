// A "print" button without inline script (CSP): any element with data-print opens the print dialog.
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-print]");
  if (target) { window.print(); }
});
