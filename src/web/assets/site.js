// Entraide: progressive enhancement only; every page works without this file.
(function () {
  'use strict';
  // A form answered with errors: move the focus to its summary so screen readers announce it.
  var alert = document.getElementById('erreurs');
  if (alert) alert.focus();
})();
