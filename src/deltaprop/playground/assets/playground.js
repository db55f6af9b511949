// deltaprop playground: sends the user's actions to the server and shows what it returns.
// Every number and picture comes from the server (the deltaprop engine); nothing is computed here.
(function () {
  "use strict";
  var running = false, limit = 0, last = null, dragging = false, pending = null;
  function $(id) { return document.getElementById(id); }
  function say(text) { $("message").textContent = text || ""; }
  function call(path, body, type) {
    var opts = {method: "POST", headers: {"X-Deltaprop": "1",
      "Content-Type": type || "application/json"},
      body: type ? body : JSON.stringify(body || {})};
    return fetch(path, opts).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { if (j.state) { show(j.state); } say(j.message); return null; }
        show(j); return j;
      });
    }).catch(function (e) { say("the server did not answer: " + e); return null; });
  }
  function fill(select, values, chosen) {
    select.innerHTML = "";
    values.forEach(function (v) {
      var o = document.createElement("option"); o.value = v; o.textContent = v;
      select.appendChild(o);
    });
    select.value = chosen;
  }
  function tag(html, id) { return html.replace("<svg ", '<svg data-testid="' + id + '" '); }
  function show(s) {
    last = s; limit = s.max_upload;
    $("error").textContent = s.error;
    $("accuracy").textContent = s.score;
    $("epochs").textContent = s.epochs;
    $("updates").textContent = s.updates;
    $("rows").textContent = s.data + ": " + s.rows + " (" + s.task + ")";
    $("network").innerHTML = /^<svg/.test(s.network) ? tag(s.network, "network") :
      s.network.replace("<p ", '<p data-testid="network" ');
    $("loss-chart").innerHTML = tag(s.loss_chart, "loss-chart");
    $("boundary").innerHTML = /^<svg/.test(s.boundary) ? tag(s.boundary, "boundary") :
      s.boundary.replace("<p ", '<p data-testid="boundary" ');
    var held = (dragging || pending) ? document.querySelector('[data-testid="weight-slider"]') : null;
    $("panel").innerHTML = s.panel;
    if (held && held.dataset.name === s.selected) {  // keep the slider being dragged
      var fresh = document.querySelector('[data-testid="weight-slider"]');
      if (fresh) { fresh.replaceWith(held); }
    }
    $("preset").value = s.preset;
    fill($("target"), s.columns.length ? s.columns : [s.target], s.target);
    $("target").disabled = !s.columns.length;
    fill($("feature-x"), s.features, s.features[s.plot_features[0]]);
    fill($("feature-y"), s.features, s.features[s.plot_features[1]]);
    ["hidden", "activation", "loss", "optimizer", "lr", "batch_size", "seed"].forEach(function (k) {
      $(k).value = s.config[k];
    });
    say(s.message);
    Array.prototype.forEach.call(document.querySelectorAll("#network [data-id]"), function (el) {
      if (el.getAttribute("data-id") === s.selected) { el.classList.add("sel"); }
      el.onclick = function (e) {
        e.stopPropagation();
        call("/api/select", {name: el.getAttribute("data-id")});
      };
    });
    var input = document.querySelector('[data-testid="weight-input"]');
    if (input) {
      input.onchange = function () { call("/api/weight", {name: input.dataset.name, value: input.value}); };
    }
    var slider = document.querySelector('[data-testid="weight-slider"]');
    if (slider) {  // while dragging: one request at a time, always for the latest value
      slider.oninput = function () { drag(slider.dataset.name, slider.value); };
    }
  }
  function drag(name, value) {
    if (dragging) { pending = [name, value]; return; }
    dragging = true;
    call("/api/weight", {name: name, value: value}).then(function () {
      dragging = false;
      if (pending) { var p = pending; pending = null; drag(p[0], p[1]); }
    });
  }
  $("preset").onchange = function () { if ($("preset").value) { call("/api/preset", {name: $("preset").value}); } };
  $("upload").onchange = function () {
    var file = $("upload").files[0];
    if (!file) { return; }
    if (limit && file.size > limit) {
      say(file.name + " is " + file.size.toLocaleString() + " bytes; the limit is " + limit.toLocaleString());
      return;
    }
    call("/api/upload?name=" + encodeURIComponent(file.name), file, "text/csv").then(function () {
      $("upload").value = "";
    });
  };
  $("target").onchange = function () { call("/api/data", {target: $("target").value}); };
  function features() { call("/api/data", {features: [$("feature-x").value, $("feature-y").value]}); }
  $("feature-x").onchange = features; $("feature-y").onchange = features;
  $("apply").onclick = function () {
    var c = {};
    ["hidden", "activation", "loss", "optimizer", "lr", "batch_size", "seed"].forEach(function (k) { c[k] = $(k).value; });
    call("/api/config", c);
  };
  $("step").onclick = function () { call("/api/step"); };
  $("epoch").onclick = function () { call("/api/epoch"); };
  $("reset").onclick = function () { running = false; call("/api/reset"); };
  function loop() {
    if (!running) { return; }
    call("/api/epoch").then(function (j) {
      if (!j || j.message) { stop(); return; }
      setTimeout(loop, 0);
    });
  }
  function stop() { running = false; $("train").disabled = false; $("pause").disabled = true; }
  $("train").onclick = function () {
    running = true; $("train").disabled = true; $("pause").disabled = false; loop();
  };
  $("pause").onclick = stop;
  fetch("/api/state").then(function (r) { return r.json(); }).then(show);
}());
