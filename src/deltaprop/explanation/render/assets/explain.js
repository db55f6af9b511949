// deltaprop explain page: shows, hides and highlights what Python computed; computes nothing.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dp-data").textContent);
  var step = 0, line = 0;
  function q(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function show() {
    var lines = data.steps[step].lines;
    q(".step").forEach(function (el, k) { el.hidden = k !== step; });
    var root = q(".step")[step];
    q(".line", root).forEach(function (el, k) {
      el.classList.toggle("current", k === line);
      el.classList.toggle("done", k < line);
    });
    q(".hl").forEach(function (el) { el.classList.remove("hl"); });
    lines[line].uses.forEach(function (id) {
      q('[data-id="' + CSS.escape(id) + '"]', root).forEach(function (el) { el.classList.add("hl"); });
    });
    var current = q(".line", root)[line];
    document.getElementById("position").textContent =
      lines[line].phase + " · line " + (line + 1) + " of " + lines.length;
    q(".phase").forEach(function (el) {
      el.classList.toggle("on", el.getAttribute("data-phase") === lines[line].phase);
    });
    if (current && current.scrollIntoView) { current.scrollIntoView({block: "nearest"}); }
  }
  function move(by) {
    var n = data.steps[step].lines.length;
    line = Math.max(0, Math.min(n - 1, line + by));
    show();
  }
  function jump(phase) {
    var lines = data.steps[step].lines;
    for (var k = 0; k < lines.length; k++) { if (lines[k].phase === phase) { line = k; break; } }
    show();
  }
  function panel(id) {
    q(".panel").forEach(function (el) { el.hidden = true; });
    var el = document.getElementById("p-" + step + "-" + id);
    if (el) { el.hidden = false; }
  }
  document.getElementById("next").onclick = function () { move(1); };
  document.getElementById("prev").onclick = function () { move(-1); };
  q(".phase").forEach(function (el) {
    el.onclick = function () { jump(el.getAttribute("data-phase")); };
  });
  var select = document.getElementById("step-select");
  if (select) { select.onchange = function () { step = +select.value; line = 0; show(); }; }
  q(".line").forEach(function (el) {
    el.onclick = function () { line = +el.getAttribute("data-k"); show(); };
  });
  q(".diagram [data-id]").forEach(function (el) {
    el.onclick = function (e) { e.stopPropagation(); panel(el.getAttribute("data-id")); };
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight" || e.key === "ArrowDown") { move(1); e.preventDefault(); }
    if (e.key === "ArrowLeft" || e.key === "ArrowUp") { move(-1); e.preventDefault(); }
  });
  show();
}());
