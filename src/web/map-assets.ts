/**
 * The scripts and stylesheets of the pages that show a map (Leaflet; the server groups listings into clusters) or
 * place a point on one.
 */
const LEAFLET_CSS = ['/assets/vendor/leaflet/leaflet.css'];

export const MAP_ASSETS = {
  stylesheets: LEAFLET_CSS,
  scripts: ['/assets/vendor/leaflet/leaflet.js', '/assets/leaflet-setup.js', '/assets/map.js'],
};

export const PICKER_ASSETS = {
  stylesheets: LEAFLET_CSS,
  scripts: ['/assets/vendor/leaflet/leaflet.js', '/assets/leaflet-setup.js', '/assets/location-picker.js'],
};
