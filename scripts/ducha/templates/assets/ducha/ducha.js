// Sortable tables (vendored tablesort, no CDN).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    new Tablesort(table);
  });
});
// A review key (审计 pages) is selected whole by a tap (CSS user-select: all); with a script it is also copied.
document.addEventListener("click", function (event) {
  var key = event.target.closest && event.target.closest("code.ducha-key");
  if (!key) return;
  var range = document.createRange();
  range.selectNodeContents(key);
  var selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  try { if (document.execCommand("copy")) { key.classList.add("ducha-copied"); key.title = "已复制：" + key.textContent; } } catch (e) { /* selected: copy by hand */ }
});
