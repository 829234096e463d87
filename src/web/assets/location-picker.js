// Entraide: place a listing's point on a map. Without this script (or without tiles), the
// neighbourhood list of the form is enough: the point then goes inside that neighbourhood.
(function () {
  'use strict';
  var el = document.getElementById('choisir-position');
  if (!el || !window.L || !window.EntraideMap) return;
  var L = window.L;
  var lat = document.getElementById('lat');
  var lng = document.getElementById('lng');
  var status = document.getElementById('position-etat');
  el.hidden = false;
  var start = lat.value && lng.value ? [Number(lat.value), Number(lng.value)] : undefined;
  var map = window.EntraideMap.open(el, start);
  // Named neighbourhoods, so a point can be placed knowingly even without map tiles.
  window.EntraideMap.outlines(map, {
    labels: true,
    keepView: function () {
      return Boolean(marker);
    },
  });
  var marker = null;
  function place(latlng, stored) {
    if (marker) marker.setLatLng(latlng);
    else
      marker = L.marker(latlng, { draggable: true, alt: 'Position choisie' })
        .addTo(map)
        .on('dragend', function () {
          place(marker.getLatLng());
        });
    // The stored point is shown, not rewritten: rounding it would move it on an unchanged save.
    if (stored) return;
    lat.value = latlng.lat.toFixed(6);
    lng.value = latlng.lng.toFixed(6);
    if (status) status.textContent = 'Point placé sur la carte. Il sera montré à quelques centaines de mètres près.';
  }
  if (start) place(L.latLng(start[0], start[1]), true);
  map.on('click', function (e) {
    place(e.latlng);
  });
})();
