(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var tip = document.getElementById("tip");
  var info = document.getElementById("cell-info");
  var measures = document.querySelectorAll("#measures li.measure");
  var current = {basis: "issued", per: "document"};

  function cellOf(a) {
    var href = a.getAttribute("xlink:href") || a.getAttribute("href") || "";
    var m = /^#cell-([a-z]+-[a-z]+)-(\d+)$/.exec(href);
    return m ? data.cells[m[1]][+m[2]] : null;
  }
  function line(parent, text, cls) {
    var d = document.createElement("div");
    d.textContent = text;
    if (cls) { d.className = cls; }
    parent.appendChild(d);
  }
  function showTip(cell, x, y) {
    tip.textContent = "";
    line(tip, cell.department + " × " + cell.instrument, "tip-head");
    line(tip, cell.n + " " + data.ui[current.per] + ", " + cell.measures + " " + data.ui.measures);
    cell.anchors.slice(0, 12).forEach(function (id) { line(tip, "· " + (data.headings[id] || id)); });
    if (cell.anchors.length > 12) { line(tip, "… +" + (cell.anchors.length - 12)); }
    tip.style.left = (x + 14) + "px";
    tip.style.top = (y + 14) + "px";
    tip.style.display = "block";
  }
  function filter(cell) {
    var keep = {};
    if (cell) { cell.anchors.forEach(function (id) { keep[id] = true; }); }
    var shown = 0;
    measures.forEach(function (li) {
      var on = !cell || keep[li.id];
      li.hidden = !on;
      if (on) { shown++; }
    });
    info.textContent = cell ? (cell.department + " × " + cell.instrument + ": " + shown + " " + data.ui.measures) : "";
    document.getElementById("show-all").hidden = !cell;
  }
  document.querySelectorAll(".heatmap a").forEach(function (a) {
    a.addEventListener("mousemove", function (e) { var c = cellOf(a); if (c) { showTip(c, e.pageX, e.pageY); } });
    a.addEventListener("mouseleave", function () { tip.style.display = "none"; });
    a.addEventListener("click", function (e) {
      e.preventDefault();
      var c = cellOf(a);
      if (!c) { return; }
      filter(c);
      document.getElementById("measures").scrollIntoView();
    });
  });
  document.getElementById("show-all").addEventListener("click", function () { filter(null); });
  function switchTo() {
    document.querySelectorAll(".heatmap").forEach(function (d) {
      d.hidden = d.dataset.key !== current.basis + "-" + current.per;
    });
  }
  document.querySelectorAll("input[name=basis], input[name=per]").forEach(function (r) {
    r.addEventListener("change", function () { current[r.name] = r.value; switchTo(); });
  });
  switchTo();
  window.kgReport = {data: data, filter: filter, cellOf: cellOf};
  document.body.dataset.ready = "1";
})();
