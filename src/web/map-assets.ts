/** The scripts and stylesheets of the pages that show a map (Leaflet, clusters) or place a point on one. */
const LEAFLET_CSS = ['/assets/vendor/leaflet/leaflet.css'];

export const MAP_ASSETS = {
  stylesheets: [
    ...LEAFLET_CSS,
    '/assets/vendor/markercluster/MarkerCluster.css',
    '/assets/vendor/markercluster/MarkerCluster.Default.css',
  ],
  scripts: [
    '/assets/vendor/leaflet/leaflet.js',
    '/assets/vendor/markercluster/leaflet.markercluster.js',
    '/assets/leaflet-setup.js',
    '/assets/map.js',
  ],
};

export const PICKER_ASSETS = {
  stylesheets: LEAFLET_CSS,
  scripts: ['/assets/vendor/leaflet/leaflet.js', '/assets/leaflet-setup.js', '/assets/location-picker.js'],
};
