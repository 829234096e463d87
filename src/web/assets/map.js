// Entraide: the listings map. The server groups listings into clusters with their counts per kind at low zoom
// and sends public points when zoomed in (/api/v1/listings.geojson with zoom), so the browser never holds more
// than a few hundred markers. Offers, requests and projects differ by shape and colour. The page lists the same
// listings below the map, so everything works without this script or without tiles.
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
  // The whole commune in view to start with, its neighbourhoods named (the map stays readable without tiles).
  window.EntraideMap.outlines(map, {
    labels: true,
    keepView: function () {
      return moved;
    },
  });

  var layer = L.layerGroup().addTo(map);
  var KINDS = {
    offer: { one: 'offre', many: 'offres', title: 'Offre' },
    request: { one: 'demande', many: 'demandes', title: 'Demande' },
    project: { one: 'projet', many: 'projets', title: 'Projet' },
  };
  var ORDER = ['offer', 'request', 'project'];
  var counted = function (n, kind) {
    return n + ' ' + (n > 1 ? KINDS[kind].many : KINDS[kind].one);
  };

  function popup(p) {
    var box = document.createElement('div');
    var kind = document.createElement('p');
    kind.textContent =
      (KINDS[p.kind] || KINDS.request).title + (p.category && p.category.name ? ' · ' + p.category.name : '');
    var link = document.createElement('a');
    link.href = (p.kind === 'project' ? '/projets/' : '/annonces/') + encodeURIComponent(p.id);
    link.textContent = p.title;
    box.appendChild(kind);
    box.appendChild(link);
    if (p.neighbourhood) {
      var hood = document.createElement('p');
      hood.textContent = p.neighbourhood;
      box.appendChild(hood);
    }
    return box;
  }

  // Leaflet names a div marker by its title only; a screen reader reads this label instead.
  function labelled(marker, label) {
    marker.on('add', function () {
      var icon = marker.getElement();
      if (icon) icon.setAttribute('aria-label', label);
    });
    return marker;
  }

  function pointMarker(f) {
    var p = f.properties;
    var kind = KINDS[p.kind] ? p.kind : 'request';
    var label =
      KINDS[kind].title + ' : ' + p.title + (p.category && p.category.name ? ' (' + p.category.name + ')' : '');
    var c = f.geometry.coordinates;
    var marker = L.marker([c[1], c[0]], {
      title: label,
      icon: L.divIcon({
        className: 'map-point map-' + kind,
        html: '<span class="map-shape" aria-hidden="true"></span>',
        iconSize: [22, 22],
      }),
    });
    marker.bindPopup(popup(p));
    return labelled(marker, label);
  }

  function clusterMarker(f) {
    var counts = f.properties.counts || {};
    var parts = [];
    var html = '<span class="map-cluster">';
    ORDER.forEach(function (kind) {
      if (!counts[kind]) return;
      parts.push(counted(counts[kind], kind));
      html +=
        '<span class="map-count map-' +
        kind +
        '"><span class="map-shape" aria-hidden="true"></span>' +
        counts[kind] +
        '</span>';
    });
    html += '</span>';
    var label = 'Groupe de ' + f.properties.count + ' : ' + parts.join(', ') + '. Zoomer sur ce secteur';
    var c = f.geometry.coordinates;
    var marker = L.marker([c[1], c[0]], {
      title: label,
      icon: L.divIcon({ className: 'map-cluster-icon', html: html, iconSize: null }),
    });
    var zoomIn = function () {
      map.setView(marker.getLatLng(), Math.min(map.getZoom() + 2, map.getMaxZoom() || 18));
    };
    marker.on('click', zoomIn);
    // Leaflet gives a focused marker's keys to its popup only: a cluster is a button, Enter or Space zooms in.
    marker.on('keypress', function (e) {
      var key = e.originalEvent.key;
      if (key === 'Enter' || key === ' ') {
        e.originalEvent.preventDefault();
        zoomIn();
      }
    });
    return labelled(marker, label);
  }

  // Opening a popup near the edge pans the map; reloading then would remove its marker and close it. While a
  // popup is open the markers stay, and are reloaded once it closes.
  var popupOpen = false;
  var stale = false;
  map.on('popupopen', function () {
    popupOpen = true;
  });
  map.on('popupclose', function () {
    popupOpen = false;
    if (stale) load();
  });

  var pending = null;
  function load() {
    stale = popupOpen;
    if (stale) return;
    var b = map.getBounds();
    var params = new URLSearchParams({
      bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (n) {
          return n.toFixed(5);
        })
        .join(','),
      zoom: String(Math.round(map.getZoom())),
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
        if (popupOpen) {
          stale = true;
          return;
        }
        layer.clearLayers();
        var count = { offer: 0, request: 0, project: 0 };
        data.features.forEach(function (f) {
          var p = f.properties;
          if (p.cluster) {
            ['offer', 'request', 'project'].forEach(function (k) {
              count[k] += (p.counts && p.counts[k]) || 0;
            });
            layer.addLayer(clusterMarker(f));
          } else {
            count[p.kind] = (count[p.kind] || 0) + 1;
            layer.addLayer(pointMarker(f));
          }
        });
        var parts = [];
        var listings = count.offer + count.request;
        if (listings || !count.project) parts.push(plural(listings, 'annonce', 'annonces'));
        if (count.project) parts.push(plural(count.project, 'projet', 'projets'));
        say(
          parts.join(' et ') +
            ' sur cette partie de la carte' +
            (data.clustered
              ? ', en ' + plural(data.features.length, 'groupe', 'groupes') + ' : zoomez pour voir chaque point.'
              : '.'),
        );
      })
      .catch(function (err) {
        if (err.name !== 'AbortError')
          say('Les annonces n’ont pas pu être chargées sur la carte ; la liste ci-dessous reste à jour.');
      });
  }
  /** « 1 annonce », « 0 annonce », « 3 annonces » (French: the singular up to one). */
  function plural(n, one, many) {
    return n + ' ' + (n <= 1 ? one : many);
  }
  map.on('moveend', load);
  load();
})();
