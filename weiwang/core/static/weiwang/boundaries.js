// Drawing region boundaries (Leaflet + Geoman): draw a polygon for a region, drag its points,
// save it as GeoJSON; or paste GeoJSON exported from surveying software.
(function () {
  "use strict";

  var mapData = JSON.parse(document.getElementById("dash-map-data").textContent);
  var tiles = JSON.parse(document.getElementById("dash-tiles").textContent);
  var say = document.getElementById("boundary-messages").dataset;
  var status = document.getElementById("boundary-status");
  var csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  var L = window.L;
  var node = document.getElementById("boundary-map");
  // A view first: Leaflet cannot draw shapes on a map that has none yet.
  var map = L.map(node, { attributionControl: !!tiles.url }).setView([30.67, 104.06], 14);
  if (tiles.url) {
    L.tileLayer(tiles.url, { subdomains: tiles.subdomains || "abc", attribution: tiles.attribution || "", maxZoom: 19 }).addTo(map);
  } else {
    node.classList.add("plain");
  }
  if (map.pm.setLang) map.pm.setLang("zh");
  var layers = {};  // region id → Leaflet layer
  var rows = document.querySelectorAll(".boundary-list li");
  var outlineId = rows.length ? rows[0].dataset.region : null;

  function add(regionId, geometry, name) {
    if (layers[regionId]) map.removeLayer(layers[regionId]);
    var group = L.geoJSON(geometry, {
      style: regionId === outlineId ? { color: "#333", dashArray: "6 4", fillOpacity: 0.05 } : { color: "#b3261e", fillOpacity: 0.2 },
    });
    var layer = group.getLayers()[0];
    if (name) layer.bindTooltip(name, { sticky: true });
    layer.addTo(map);
    layers[regionId] = layer;
    return layer;
  }

  if (mapData.outline && outlineId) add(outlineId, mapData.outline);
  mapData.children.features.forEach(function (f) {
    add(String(f.properties.id), f.geometry, f.properties.name);
  });
  var all = L.featureGroup(Object.values(layers));
  if (all.getLayers().length) map.fitBounds(all.getBounds(), { padding: [12, 12] });

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) throw new Error(json.message || say.failed);
        return json;
      });
    });
  }

  function show(text) { status.textContent = text; }

  function save(row, geometry) {
    return post(row.dataset.url, { geometry: geometry }).then(function (json) {
      add(row.dataset.region, json.geometry, row.querySelector(".row-title").textContent);
      show(say.saved);
    }).catch(function (error) { show(error.message || say.failed); });
  }

  var drawingRow = null;
  map.on("pm:create", function (event) {
    var geometry = event.layer.toGeoJSON().geometry;
    map.removeLayer(event.layer);
    if (drawingRow) save(drawingRow, geometry);
    drawingRow = null;
  });

  rows.forEach(function (row) {
    var id = row.dataset.region;
    var saveButton = row.querySelector("[data-act=save]");
    row.querySelector("[data-act=draw]").addEventListener("click", function () {
      drawingRow = row;
      show(say.drawing);
      map.pm.enableDraw("Polygon", { snappable: true, continueDrawing: false });
    });
    row.querySelector("[data-act=edit]").addEventListener("click", function () {
      var layer = layers[id];
      if (!layer) { show(say.none); return; }
      layer.pm.enable({ allowSelfIntersection: false });
      saveButton.hidden = false;
      show(say.editing);
    });
    saveButton.addEventListener("click", function () {
      var layer = layers[id];
      layer.pm.disable();
      saveButton.hidden = true;
      save(row, layer.toGeoJSON().geometry);
    });
    row.querySelector("[data-act=delete]").addEventListener("click", function () {
      if (!layers[id] || !window.confirm(say.confirm)) return;
      post(row.dataset.url, { delete: true }).then(function () {
        map.removeLayer(layers[id]);
        delete layers[id];
        show(say.deleted);
      }).catch(function (error) { show(error.message || say.failed); });
    });
  });

  document.getElementById("geojson-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var url = document.getElementById("geojson-region").value;
    var geometry;
    try {
      geometry = JSON.parse(document.getElementById("geojson-text").value);
    } catch (e) {
      show(say.badJson);
      return;
    }
    var row = Array.prototype.find.call(rows, function (r) { return r.dataset.url === url; });
    save(row, geometry);
  });
})();
