// Entraide: the listings map (Leaflet + marker clustering). The page lists the same listings
// below the map, so everything works without this script or without tiles.
(function () {
  'use strict';
  var el = document.getElementById('carte');
  if (!el || !window.L) return;
  var L = window.L;
  L.Icon.Default.imagePath = '/assets/vendor/leaflet/images/';
  var map = L.map(el, { scrollWheelZoom: false }).setView([Number(el.dataset.lat), Number(el.dataset.lng)], Number(el.dataset.zoom));
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || '' }).addTo(map);
  }
  var moved = false;
  map.once('movestart', function () { moved = true; });
  var status = document.getElementById('carte-etat');
  var say = function (text) { if (status) status.textContent = text; };

  fetch('/api/v1/neighbourhoods.geojson', { headers: { accept: 'application/geo+json' } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data) return;
      var outlines = L.geoJSON(data, {
        interactive: false,
        style: function () { return { color: el.dataset.outline || '#333333', weight: 2, fill: false, dashArray: '4 4' }; },
      }).addTo(map);
      // The whole commune in view to start with (its neighbourhoods' outlines).
      if (!moved && outlines.getBounds().isValid()) map.fitBounds(outlines.getBounds(), { padding: [8, 8] });
    })
    .catch(function () { /* outlines are a help, not a need */ });

  var cluster = L.markerClusterGroup();
  map.addLayer(cluster);

  function popup(p) {
    var box = document.createElement('div');
    var kind = document.createElement('p');
    kind.textContent = (p.kind === 'offer' ? 'Offre' : 'Demande') + (p.category && p.category.name ? ' · ' + p.category.name : '');
    var link = document.createElement('a');
    link.href = '/annonces/' + encodeURIComponent(p.id);
    link.textContent = p.title;
    box.appendChild(kind);
    box.appendChild(link);
    return box;
  }

  var pending = null;
  function load() {
    var b = map.getBounds();
    var params = new URLSearchParams({ bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (n) { return n.toFixed(5); }).join(',') });
    if (el.dataset.kind) params.set('kind', el.dataset.kind);
    if (el.dataset.category) params.set('category', el.dataset.category);
    if (pending) pending.abort();
    pending = new AbortController();
    fetch('/api/v1/listings.geojson?' + params, { signal: pending.signal, headers: { accept: 'application/geo+json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error(String(r.status))); })
      .then(function (data) {
        cluster.clearLayers();
        data.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { title: f.properties.title, alt: f.properties.title });
          marker.bindPopup(popup(f.properties));
          cluster.addLayer(marker);
        });
        say(data.features.length + ' annonce(s) sur cette partie de la carte' + (data.capped ? ' (les plus récentes ; zoomez pour voir les autres)' : '') + '.');
      })
      .catch(function (err) { if (err.name !== 'AbortError') say('Les annonces n’ont pas pu être chargées sur la carte ; la liste ci-dessous reste à jour.'); });
  }
  map.on('moveend', load);
  load();
})();
