// Entraide: the listings map (Leaflet + marker clustering). The page lists the same listings
// below the map, so everything works without this script or without tiles.
(function () {
  'use strict';
  var el = document.getElementById('carte');
  if (!el || !window.L || !window.EntraideMap) return;
  var L = window.L;
  var map = window.EntraideMap.open(el);
  var moved = false;
  map.once('movestart', function () {
    moved = true;
  });
  var status = document.getElementById('carte-etat');
  var say = function (text) {
    if (status) status.textContent = text;
  };
  // The whole commune in view to start with.
  window.EntraideMap.outlines(map, {
    labels: false,
    keepView: function () {
      return moved;
    },
  });

  var cluster = L.markerClusterGroup();
  map.addLayer(cluster);

  function popup(p) {
    var box = document.createElement('div');
    var kind = document.createElement('p');
    kind.textContent =
      (p.kind === 'offer' ? 'Offre' : p.kind === 'project' ? 'Projet' : 'Demande') +
      (p.category && p.category.name ? ' · ' + p.category.name : '');
    var link = document.createElement('a');
    link.href = (p.kind === 'project' ? '/projets/' : '/annonces/') + encodeURIComponent(p.id);
    link.textContent = p.title;
    box.appendChild(kind);
    box.appendChild(link);
    return box;
  }

  var pending = null;
  function load() {
    var b = map.getBounds();
    var params = new URLSearchParams({
      bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (n) {
          return n.toFixed(5);
        })
        .join(','),
    });
    if (el.dataset.kind) params.set('kind', el.dataset.kind);
    if (el.dataset.category) params.set('category', el.dataset.category);
    if (pending) pending.abort();
    pending = new AbortController();
    fetch('/api/v1/listings.geojson?' + params, { signal: pending.signal, headers: { accept: 'application/geo+json' } })
      .then(function (r) {
        return r.ok ? r.json() : Promise.reject(new Error(String(r.status)));
      })
      .then(function (data) {
        cluster.clearLayers();
        data.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { title: f.properties.title, alt: f.properties.title });
          marker.bindPopup(popup(f.properties));
          cluster.addLayer(marker);
        });
        say(
          data.features.length +
            ' annonce(s) sur cette partie de la carte' +
            (data.capped ? ' (les plus récentes ; zoomez pour voir les autres)' : '') +
            '.',
        );
      })
      .catch(function (err) {
        if (err.name !== 'AbortError')
          say('Les annonces n’ont pas pu être chargées sur la carte ; la liste ci-dessous reste à jour.');
      });
  }
  map.on('moveend', load);
  load();
})();
