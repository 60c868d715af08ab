(function () {
  "use strict";
  function cellValue(row, i) {
    var c = row.cells[i];
    if (!c) return "";
    return c.hasAttribute("data-sort") ? c.getAttribute("data-sort") : c.textContent.trim();
  }
  function sortTable(table, i, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var numeric = rows.every(function (r) {
      var v = cellValue(r, i);
      return v === "" || !isNaN(Number(v));
    });
    rows.sort(function (a, b) {
      var x = cellValue(a, i), y = cellValue(b, i);
      var d = numeric ? (parseFloat(x || "-1e9") - parseFloat(y || "-1e9")) : x.localeCompare(y);
      return asc ? d : -d;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.tabIndex = 0;
      th.title = "Sort";
      th.addEventListener("click", function () { sortTable(table, i, th); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortTable(table, i, th); });
    });
  });
  function applyFilters(tableId) {
    var table = document.getElementById(tableId);
    if (!table) return;
    var controls = document.querySelectorAll('[data-filter="' + tableId + '"]');
    var shown = 0, total = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var ok = true;
      controls.forEach(function (c) {
        var v = c.value.trim().toLowerCase();
        if (!v) return;
        if (c.hasAttribute("data-col")) {
          var cell = row.cells[parseInt(c.getAttribute("data-col"), 10)];
          var cv = cell ? (cell.getAttribute("data-value") || cell.textContent).trim().toLowerCase() : "";
          if (cv !== v) ok = false;
        } else if (row.textContent.toLowerCase().indexOf(v) < 0) {
          ok = false;
        }
      });
      row.hidden = !ok;
      total += 1;
      if (ok) shown += 1;
    });
    var out = document.querySelector('[data-count="' + tableId + '"]');
    if (out) out.textContent = shown + " of " + total + " rows";
  }
  document.querySelectorAll("[data-filter]").forEach(function (c) {
    var id = c.getAttribute("data-filter");
    c.addEventListener("input", function () { applyFilters(id); });
    c.addEventListener("change", function () { applyFilters(id); });
    applyFilters(id);
  });
  var svg = document.getElementById("lineage-graph");
  if (svg) {
    svg.querySelectorAll("g.node").forEach(function (g) {
      var id = g.getAttribute("data-node");
      g.addEventListener("mouseenter", function () {
        svg.classList.add("focus");
        svg.querySelectorAll("path.edge").forEach(function (p) {
          if (p.getAttribute("data-source") === id || p.getAttribute("data-target") === id) {
            p.classList.add("hot");
          }
        });
        g.classList.add("hot");
      });
      g.addEventListener("mouseleave", function () {
        svg.classList.remove("focus");
        svg.querySelectorAll(".hot").forEach(function (p) { p.classList.remove("hot"); });
      });
    });
  }
  var cites = document.getElementById("show-cites");
  if (cites && svg) {
    cites.addEventListener("change", function () { svg.classList.toggle("nocites", !cites.checked); });
  }
  document.querySelectorAll("details.pair").forEach(function (pair) {
    function same(m) { return pair.querySelectorAll('mark[data-m="' + m.getAttribute("data-m") + '"]'); }
    pair.querySelectorAll("mark[data-m]").forEach(function (m) {
      m.addEventListener("mouseenter", function () { same(m).forEach(function (x) { x.classList.add("hot"); }); });
      m.addEventListener("mouseleave", function () { same(m).forEach(function (x) { x.classList.remove("hot"); }); });
      m.addEventListener("click", function () {
        var col = m.closest(".text");
        same(m).forEach(function (x) {
          if (x.closest(".text") !== col) { x.scrollIntoView({ block: "center", behavior: "smooth" }); }
        });
      });
    });
  });
  document.querySelectorAll("[data-toggle-all]").forEach(function (b) {
    b.addEventListener("click", function () {
      var open = b.getAttribute("data-toggle-all") === "open";
      document.querySelectorAll("details.pair").forEach(function (d) { d.open = open; });
    });
  });
})();
