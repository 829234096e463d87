// "Près de chez moi" on the listings page: progressive enhancement only, the form works without it.
(function () {
  'use strict';
  // A search was just sent (or a next page opened): the focus goes to the count of results, which is read out.
  var results = document.querySelector('[data-focus-on-load]');
  if (results && !document.getElementById('erreurs')) results.focus();

  // The browser's position, asked only when the person clicks the button; rounded to about 100 m.
  var zone = document.getElementById('f-geoloc-zone');
  var button = document.getElementById('f-geoloc');
  var state = document.getElementById('f-geoloc-etat');
  if (!zone || !button || !state || !navigator.geolocation) return;
  // Another place chosen after a search around the position: that place wins.
  ['f-autour', 'f-adresse', 'f-pres'].forEach(function (id) {
    var field = document.getElementById(id);
    if (!field) return;
    field.addEventListener('change', function () {
      document.getElementById('f-lat').value = '';
      document.getElementById('f-lng').value = '';
      state.textContent = '';
    });
  });
  zone.hidden = false;
  button.addEventListener('click', function () {
    button.disabled = true;
    state.textContent = 'Recherche de votre position…';
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById('f-lat').value = position.coords.latitude.toFixed(3);
        document.getElementById('f-lng').value = position.coords.longitude.toFixed(3);
        state.textContent = 'Position trouvée : recherche des annonces autour de vous…';
        var form = button.form;
        if (form.requestSubmit) form.requestSubmit();
        else form.submit();
      },
      function (error) {
        button.disabled = false;
        state.textContent =
          error.code === 1
            ? 'Vous n’avez pas autorisé la localisation : choisissez plutôt un quartier.'
            : 'Votre position n’a pas pu être trouvée : choisissez plutôt un quartier.';
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 },
    );
  });
})();
