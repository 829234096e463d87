// Entraide: progressive enhancement only; every page works without this file.
(function () {
  'use strict';
  // A form answered with errors: move the focus to its summary so screen readers announce it.
  var alert = document.getElementById('erreurs');
  if (alert) alert.focus();

  // Phones: the navigation becomes a disclosure (a button whose aria-expanded shows or hides the
  // list, CSS under 40rem); without this script the list stays shown.
  var toggle = document.querySelector('.nav-toggle');
  var nav = toggle && toggle.parentNode;
  if (toggle && nav) {
    toggle.hidden = false;
    nav.className += ' js-nav';
    toggle.addEventListener('click', function () {
      toggle.setAttribute('aria-expanded', toggle.getAttribute('aria-expanded') === 'true' ? 'false' : 'true');
    });
    nav.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && toggle.getAttribute('aria-expanded') === 'true') {
        toggle.setAttribute('aria-expanded', 'false');
        toggle.focus();
      }
    });
  }
})();
