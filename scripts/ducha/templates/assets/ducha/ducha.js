// Sortable tables (vendored tablesort, no CDN).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    new Tablesort(table);
  });
});
