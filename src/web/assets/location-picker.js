// Entraide: place a listing's point on a map. Without this script (or without tiles), the
// neighbourhood list of the form is enough: the point then goes inside that neighbourhood.
(function () {
  'use strict';
  var el = document.getElementById('choisir-position');
  if (!el || !window.L) return;
  var L = window.L;
  L.Icon.Default.imagePath = '/assets/vendor/leaflet/images/';
  var lat = document.getElementById('lat');
  var lng = document.getElementById('lng');
  var status = document.getElementById('position-etat');
  el.hidden = false;
  var start = lat.value && lng.value ? [Number(lat.value), Number(lng.value)] : [Number(el.dataset.lat), Number(el.dataset.lng)];
  var map = L.map(el, { scrollWheelZoom: false }).setView(start, Number(el.dataset.zoom));
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || '' }).addTo(map);
  // The neighbourhoods' outlines, so a point can be placed knowingly even without map tiles.
  fetch('/api/v1/neighbourhoods.geojson', { headers: { accept: 'application/geo+json' } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data) return;
      var outlines = L.geoJSON(data, {
        interactive: false,
        style: function () { return { color: '#333333', weight: 2, fill: false, dashArray: '4 4' }; },
        onEachFeature: function (f, layer) { if (f.properties && f.properties.name) layer.bindTooltip(f.properties.name, { permanent: true, direction: 'center', className: 'hood-label' }); },
      }).addTo(map);
      if (!marker && outlines.getBounds().isValid()) map.fitBounds(outlines.getBounds(), { padding: [8, 8] });
    })
    .catch(function () { /* outlines are a help, not a need */ });
  var marker = null;
  function place(latlng) {
    if (marker) marker.setLatLng(latlng);
    else marker = L.marker(latlng, { draggable: true, alt: 'Position choisie' }).addTo(map).on('dragend', function () { place(marker.getLatLng()); });
    lat.value = latlng.lat.toFixed(6);
    lng.value = latlng.lng.toFixed(6);
    if (status) status.textContent = 'Point placé sur la carte. Il sera montré à quelques centaines de mètres près.';
  }
  if (lat.value && lng.value) place(L.latLng(start[0], start[1]));
  map.on('click', function (e) { place(e.latlng); });
})();
