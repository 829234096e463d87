// Entraide: what the site's maps share. A map is made from an element's data attributes
// (data-lat, data-lng, data-zoom, data-tiles, data-attribution); tiles are optional, and the
// neighbourhoods' outlines are drawn so a map is readable without them.
(function () {
  'use strict';
  if (!window.L) return;
  var L = window.L;
  L.Icon.Default.imagePath = '/assets/vendor/leaflet/images/';

  window.EntraideMap = {
    /** A Leaflet map on `el`, centred on `start` ([lat, lng]) or on the element's own centre. */
    open: function (el, start) {
      var map = L.map(el, { scrollWheelZoom: false, zoomControl: false }).setView(
        start || [Number(el.dataset.lat), Number(el.dataset.lng)],
        Number(el.dataset.zoom),
      );
      // Leaflet's controls speak English: their names, in French, for everyone and for screen readers.
      L.control.zoom({ zoomInTitle: 'Zoomer', zoomOutTitle: 'Dézoomer' }).addTo(map);
      map.attributionControl.setPrefix('<a href="https://leafletjs.com" hreflang="en">Leaflet</a>');
      map.on('popupopen', function (e) {
        var close = e.popup.getElement() && e.popup.getElement().querySelector('.leaflet-popup-close-button');
        if (close) {
          close.setAttribute('aria-label', 'Fermer');
          close.setAttribute('title', 'Fermer');
        }
      });
      if (el.dataset.tiles)
        L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || '' }).addTo(map);
      return map;
    },
    /**
     * Draws the commune's neighbourhoods (named when `labels`), and fits the view to them
     * unless `keepView()` says the view is already chosen.
     */
    outlines: function (map, opts) {
      fetch('/api/v1/neighbourhoods.geojson', { headers: { accept: 'application/geo+json' } })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (data) {
          if (!data) return;
          var layer = L.geoJSON(data, {
            interactive: false,
            style: function () {
              return { color: '#333333', weight: 2, fill: false, dashArray: '4 4' };
            },
            onEachFeature: function (f, l) {
              if (opts.labels && f.properties && f.properties.name)
                l.bindTooltip(f.properties.name, { permanent: true, direction: 'center', className: 'hood-label' });
            },
          }).addTo(map);
          if (!opts.keepView() && layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
        })
        .catch(function () {
          /* outlines are a help, not a need */
        });
    },
  };
})();
