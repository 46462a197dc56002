// The report form's map, "me too" and sending, on top of a form that works without it.
// The map is the city's own districts (no tiles to download): tap to drop the pin, drag it,
// zoom with the buttons, or use the phone's location. The form is sent with fetch so that
// every problem shows beside the form and nothing typed or attached is lost.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  var map = document.getElementById("pin-map");
  if (!form || !map || !window.fetch || !window.FormData) return;

  var SVG = "http://www.w3.org/2000/svg";
  var lat = document.getElementById("pin-lat");
  var lon = document.getElementById("pin-lon");
  var status = document.getElementById("pin-status");
  var problems = document.getElementById("report-problems");
  var projection = {
    west: parseFloat(map.dataset.west), north: parseFloat(map.dataset.north),
    xs: parseFloat(map.dataset.xScale), ys: parseFloat(map.dataset.yScale)
  };
  // A copy: viewBox.baseVal is live and follows every zoom.
  var base = map.viewBox.baseVal;
  var full = { x: base.x, y: base.y, width: base.width, height: base.height };
  var view = { x: full.x, y: full.y, w: full.width, h: full.height };
  var pin = null;

  // The script places the pin; the typed fallback is for browsers without it.
  form.querySelector(".pin-fallback").hidden = true;
  form.querySelector(".map-controls").hidden = false;

  function toMap(event) {
    var point = map.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    return point.matrixTransform(map.getScreenCTM().inverse());
  }
  function toPosition(p) {
    return { lon: projection.west + p.x / projection.xs, lat: projection.north - p.y / projection.ys };
  }
  function toPoint(position) {
    return { x: (position.lon - projection.west) * projection.xs, y: (projection.north - position.lat) * projection.ys };
  }
  function setView() {
    map.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
    if (pin) pin.setAttribute("r", String(view.w / 45));
    drawTiles();
  }

  // Optional raster tiles beneath the districts: the Web Mercator tiles covering the view,
  // each placed by its own corners, so the mosaic lines up with the districts and the pin.
  var tilesUrl = map.dataset.tiles;
  var tileLayer = null;
  function drawTiles() {
    if (!tilesUrl) return;
    if (!tileLayer) {
      tileLayer = document.createElementNS(SVG, "g");
      tileLayer.setAttribute("class", "tiles");
      map.insertBefore(tileLayer, map.firstChild);
    }
    var nw = toPosition({ x: view.x, y: view.y });
    var se = toPosition({ x: view.x + view.w, y: view.y + view.h });
    var width = map.getBoundingClientRect().width || 360;
    var z = Math.max(0, Math.min(18, Math.round(Math.log(360 / (se.lon - nw.lon) * width / 256) / Math.LN2)));
    var n = Math.pow(2, z);
    var column = function (lon) { return Math.floor((lon + 180) / 360 * n); };
    var row = function (lat) {
      var r = lat * Math.PI / 180;
      return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n);
    };
    var lonOf = function (x) { return x / n * 360 - 180; };
    var latOf = function (y) { return Math.atan(Math.sinh(Math.PI * (1 - 2 * y / n))) * 180 / Math.PI; };
    var x0 = column(nw.lon), x1 = column(se.lon), y0 = row(nw.lat), y1 = row(se.lat);
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 64) return;
    tileLayer.textContent = "";
    for (var x = x0; x <= x1; x++) {
      for (var y = y0; y <= y1; y++) {
        var a = toPoint({ lon: lonOf(x), lat: latOf(y) });
        var b = toPoint({ lon: lonOf(x + 1), lat: latOf(y + 1) });
        var image = document.createElementNS(SVG, "image");
        image.setAttribute("href", tilesUrl.replace("{z}", z).replace("{x}", x).replace("{y}", y));
        image.setAttribute("x", a.x); image.setAttribute("y", a.y);
        image.setAttribute("width", b.x - a.x); image.setAttribute("height", b.y - a.y);
        image.setAttribute("preserveAspectRatio", "none");
        tileLayer.appendChild(image);
      }
    }
  }
  drawTiles();
  function zoom(factor, centre) {
    var c = centre || { x: view.x + view.w / 2, y: view.y + view.h / 2 };
    var w = Math.min(full.width, Math.max(full.width / 256, view.w * factor));
    var h = w * full.height / full.width;
    view = { x: c.x - w / 2, y: c.y - h / 2, w: w, h: h };
    setView();
  }
  function districtAt(p) {
    var point = map.createSVGPoint();
    point.x = p.x; point.y = p.y;
    var paths = map.querySelectorAll("path.district");
    for (var i = 0; i < paths.length; i++) {
      if (paths[i].isPointInFill && paths[i].isPointInFill(point)) return paths[i];
    }
    return null;
  }
  function place(p) {
    if (!pin) {
      pin = document.createElementNS(SVG, "circle");
      pin.setAttribute("class", "pin");
      map.appendChild(pin);
    }
    pin.setAttribute("cx", String(p.x));
    pin.setAttribute("cy", String(p.y));
    setView();
    var position = toPosition(p);
    lat.value = position.lat.toFixed(6);
    lon.value = position.lon.toFixed(6);
    var district = districtAt(p);
    var selected = map.querySelector("path.selected");
    if (selected) selected.classList.remove("selected");
    if (district) {
      district.classList.add("selected");
      status.textContent = map.dataset.inside + " " + district.dataset.name;
      status.classList.remove("error");
    } else {
      status.textContent = map.dataset.outside;
      status.classList.add("error");
    }
    lookNearby();
  }

  // A tap drops the pin (zooming in on the first one); dragging the pin moves it.
  var dragging = false;
  map.addEventListener("pointerdown", function (event) {
    if (event.target === pin) { dragging = true; map.setPointerCapture(event.pointerId); }
  });
  map.addEventListener("pointermove", function (event) {
    if (dragging) place(toMap(event));
  });
  map.addEventListener("pointerup", function (event) {
    if (dragging) { dragging = false; return; }
    var p = toMap(event);
    var first = !pin;
    place(p);
    if (first) zoom(0.25, p);
  });
  form.querySelector("[data-action=zoom-in]").addEventListener("click", function () {
    zoom(0.5, pin ? { x: +pin.getAttribute("cx"), y: +pin.getAttribute("cy") } : null);
  });
  // A form shown again (refused, or the back button) keeps its pin.
  if (lat.value && lon.value) {
    var kept = toPoint({ lat: parseFloat(lat.value), lon: parseFloat(lon.value) });
    if (isFinite(kept.x) && isFinite(kept.y)) { place(kept); zoom(0.25, kept); }
  }
  form.querySelector("[data-action=zoom-out]").addEventListener("click", function () { zoom(2); });
  var locate = form.querySelector("[data-action=locate]");
  if (!navigator.geolocation) locate.hidden = true;
  locate.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (found) {
      var p = toPoint({ lat: found.coords.latitude, lon: found.coords.longitude });
      place(p);
      zoom(Math.min(1, (full.width / 64) / view.w), p);
    }, function () {
      status.textContent = map.dataset.noLocation;
      status.classList.add("error");
    }, { enableHighAccuracy: true, timeout: 15000 });
  });

  // Open reports of the same kind within 50 m, offered for "me too".
  var nearby = document.getElementById("nearby");
  var nearbyList = document.getElementById("nearby-list");
  var lookTimer = null;
  function lookNearby() {
    clearTimeout(lookTimer);
    lookTimer = setTimeout(function () {
      var category = form.elements.category.value;
      var url = "/api/c/" + encodeURIComponent(form.dataset.city) + "/reports/nearby?category=" +
        encodeURIComponent(category) + "&lat=" + lat.value + "&lon=" + lon.value;
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(showNearby)
        .catch(function () { nearby.hidden = true; });
    }, 300);
  }
  function showNearby(reports) {
    nearbyList.textContent = "";
    nearby.hidden = reports.length === 0;
    reports.forEach(function (report) {
      var item = document.createElement("li");
      item.className = "card";
      var text = document.createElement("p");
      text.textContent = report.reference + " · " + report.distance_m + " m · " + report.filed;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary";
      button.textContent = form.dataset.meToo;
      button.addEventListener("click", function () {
        var body = new URLSearchParams({ reference: report.reference });
        fetch("/r/support", { method: "POST", body: body, headers: { Accept: "application/json" } })
          .then(function (r) { if (!r.ok) throw new Error(); button.replaceWith(document.createTextNode(form.dataset.thanks)); })
          .catch(function () { button.textContent = form.dataset.offline; });
      });
      item.appendChild(text);
      item.appendChild(button);
      nearbyList.appendChild(item);
    });
  }

  // Sending: every problem beside the form; the form stays as it was.
  var photos = document.getElementById("photos");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var submit = form.querySelector("[type=submit]");
    form.querySelectorAll(".field.invalid").forEach(function (f) { f.classList.remove("invalid"); });
    if (photos.files.length > +photos.dataset.max) {
      return show([{ field: "photos", message: form.dataset.tooMany }]);
    }
    submit.disabled = true;
    var label = submit.textContent;
    submit.textContent = form.dataset.sending;
    fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (answer.ok) { window.location.assign(answer.body.location + "?notice=report-filed"); return; }
        show(answer.body.problems || []);
      })
      .catch(function () { show([{ field: "", message: form.dataset.offline }]); })
      .then(function () { submit.disabled = false; submit.textContent = label; });
  });
  function show(list) {
    problems.textContent = "";
    var ul = document.createElement("ul");
    list.forEach(function (problem) {
      var li = document.createElement("li");
      li.textContent = problem.message;
      ul.appendChild(li);
      var field = document.getElementById("field-" + problem.field.replace("attribute[", "attribute-").replace("]", ""));
      if (field) field.classList.add("invalid");
    });
    problems.appendChild(ul);
    problems.hidden = list.length === 0;
    problems.scrollIntoView({ block: "center" });
  }
})();
