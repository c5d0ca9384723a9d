// The dashboard's charts (ECharts) and map (Leaflet): the data come with the page as JSON;
// clicking a region on the map or in the ranking opens its own dashboard.
(function () {
  "use strict";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var charts = data("dash-charts") || {};
  var map = data("dash-map-data") || { children: { features: [] }, cases: [], figures: {} };
  var tiles = data("dash-tiles") || {};
  var pick = document.getElementById("figure-pick");
  var RED = "#b3261e";
  var PALETTE = ["#fbe9e7", "#f4b7ab", "#e57f6c", "#c9463a", "#8e1b14"];
  var drawn = [];

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node || !window.echarts) return null;
    var instance = window.echarts.init(node, null, { renderer: "canvas" });
    instance.setOption(option);
    drawn.push(instance);
    return instance;
  }

  function bars(id, title, rows, horizontal) {
    if (!rows || !rows.length) {
      var node = document.getElementById(id);
      if (node) node.hidden = true;
      return null;
    }
    var names = rows.map(function (r) { return r[0]; });
    var values = rows.map(function (r) { return r[1]; });
    var category = { type: "category", data: names, axisLabel: { interval: 0, fontSize: 11 } };
    var value = { type: "value", minInterval: 1, axisLabel: { hideOverlap: true } };
    return chart(id, {
      title: { text: title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: horizontal ? 96 : 36, right: 16, top: 36, bottom: 28 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: [{ type: "bar", data: values, itemStyle: { color: RED } }],
    });
  }

  var label = function (id) {
    var node = document.getElementById(id);
    return node ? node.getAttribute("aria-label") : "";
  };
  bars("chart-weeks", label("chart-weeks"), (charts.weeks || []).map(function (w) {
    return [w[0].slice(5), w[1]];
  }));
  bars("chart-categories", label("chart-categories"), charts.categories, true);

  function value(figures, key) {
    var v = figures ? figures[key] : null;
    return v === undefined ? null : v;
  }

  var ranking = null;
  function drawRanking(key) {
    var rows = (charts.children || []).map(function (c) {
      return { name: c.name, url: c.url, value: value(c.figures, key) };
    }).filter(function (r) { return r.value !== null; });
    rows.sort(function (a, b) { return b.value - a.value; });
    rows = rows.slice(0, 15);
    var node = document.getElementById("chart-ranking");
    if (!node) return;
    node.hidden = !rows.length;
    if (!rows.length) return;
    var title = pick.options[pick.selectedIndex].text;
    if (!ranking) ranking = chart("chart-ranking", {});
    ranking.setOption({
      title: { text: title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 120, right: 24, top: 36, bottom: 24 },
      xAxis: { type: "value", axisLabel: { hideOverlap: true } },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }),
               axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ type: "bar", data: rows.map(function (r) { return { value: r.value, url: r.url }; }),
                 itemStyle: { color: RED } }],
    }, true);
    ranking.off("click");
    ranking.on("click", function (event) {
      if (event.data && event.data.url) window.location.href = event.data.url;
    });
    ranking.resize();
  }

  var leafletMap = null;
  var areas = null;
  var legend = null;

  function breaks(values) {
    var max = Math.max.apply(null, values.concat([0]));
    var min = Math.min.apply(null, values.concat([max]));
    return { min: min, step: (max - min) / PALETTE.length, max: max };
  }

  function colour(v, scale) {
    if (v === null) return "#eeeeee";
    if (!scale.step) return PALETTE[2];  // every region the same
    var index = Math.min(PALETTE.length - 1, Math.floor((v - scale.min) / scale.step));
    return PALETTE[Math.max(0, index)];
  }

  function paint(key) {
    if (!areas) return;
    var values = map.children.features.map(function (f) {
      return value(f.properties.figures, key);
    }).filter(function (v) { return v !== null; });
    var scale = breaks(values);
    areas.setStyle(function (feature) {
      return {
        color: "#5f1d17", weight: 1.5, fillOpacity: 0.75,
        fillColor: colour(value(feature.properties.figures, key), scale),
      };
    });
    areas.eachLayer(function (layer) {
      var p = layer.feature.properties;
      var v = value(p.figures, key);
      layer.setTooltipContent(p.name + ":" + (v === null ? "—" : v));
    });
    if (legend) {
      var parts = !scale.step ? ['<span class="swatch" data-colour="' + PALETTE[2] + '"></span>' + scale.max]
        : PALETTE.map(function (c, i) {
          var from = Math.round((scale.min + i * scale.step) * 10) / 10;
          return '<span class="swatch" data-colour="' + c + '"></span>≥' + from;
        });
      legend.getContainer().innerHTML = parts.join("<br>");
      legend.getContainer().querySelectorAll(".swatch").forEach(function (s) {
        s.style.background = s.getAttribute("data-colour");
      });
    }
  }

  function drawMap() {
    var node = document.getElementById("dash-map");
    if (!node || !window.L) return;
    var hasShapes = map.children.features.length || map.outline;
    if (!hasShapes && !map.cases.length) {
      node.hidden = true;
      return;
    }
    var L = window.L;
    // A view first: Leaflet cannot draw shapes on a map that has none yet.
    leafletMap = L.map(node, { attributionControl: !!tiles.url, zoomSnap: 0.25 })
      .setView([30.67, 104.06], 12);
    if (tiles.url) {
      L.tileLayer(tiles.url, {
        subdomains: tiles.subdomains || "abc", attribution: tiles.attribution || "", maxZoom: 18,
      }).addTo(leafletMap);
    } else {
      node.classList.add("plain");
    }
    var bounds = L.latLngBounds([]);
    if (map.outline) {
      var outline = L.geoJSON(map.outline, {
        style: { color: "#333", weight: 2, dashArray: "6 4", fill: false }, interactive: false,
      }).addTo(leafletMap);
      bounds.extend(outline.getBounds());
    }
    if (map.children.features.length) {
      areas = L.geoJSON(map.children, {
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(feature.properties.name, { sticky: true });
          layer.on("click", function () { window.location.href = feature.properties.url; });
          layer.on("mouseover", function () { layer.setStyle({ weight: 3 }); });
          layer.on("mouseout", function () { layer.setStyle({ weight: 1.5 }); });
        },
      }).addTo(leafletMap);
      areas.eachLayer(function (layer) {
        var path = layer.getElement && layer.getElement();
        if (path) {
          path.setAttribute("data-region", layer.feature.properties.id);
          path.setAttribute("aria-label", layer.feature.properties.name);
        }
      });
      bounds.extend(areas.getBounds());
      legend = L.control({ position: "bottomright" });
      legend.onAdd = function () { return L.DomUtil.create("div", "map-legend"); };
      legend.addTo(leafletMap);
    }
    map.cases.forEach(function (c) {
      var marker = L.circleMarker([c.lat, c.lng], {
        radius: 5, color: c.overdue ? "#8e1b14" : "#e08a00", weight: 1, fillOpacity: 0.9,
      }).addTo(leafletMap);
      var link = document.createElement("a");
      link.href = c.url;
      link.textContent = c.label;
      marker.bindPopup(link);
      bounds.extend([c.lat, c.lng]);
    });
    if (bounds.isValid()) leafletMap.fitBounds(bounds, { padding: [12, 12] });
  }

  if (pick) {
    drawMap();
    paint(pick.value);
    drawRanking(pick.value);
    pick.addEventListener("change", function () {
      paint(pick.value);
      drawRanking(pick.value);
    });
  }
  window.addEventListener("resize", function () {
    drawn.forEach(function (c) { c.resize(); });
  });
})();
