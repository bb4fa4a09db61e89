// Passkey forms (data-passkey="register" or "sign-in"): ask the server for options, let the browser talk to the
// authenticator (@simplewebauthn/browser, served from node_modules), post the answer back, follow its redirect.
// The forms stay hidden where the browser has no WebAuthn; everything else on the page works without script.
(function () {
  var lib = window.SimpleWebAuthnBrowser;
  function post(url, token, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': token },
      body: JSON.stringify(body || {}),
    }).then(function (res) {
      return res.json().then(
        function (data) {
          if (!res.ok) {
            throw new Error(data.message || '');
          }
          return data;
        },
        function () {
          throw new Error('');
        },
      );
    });
  }
  document.querySelectorAll('form[data-passkey]').forEach(function (form) {
    if (!lib || !lib.browserSupportsWebAuthn()) {
      return;
    }
    form.hidden = false;
    var status = form.querySelector('[role=status]');
    var button = form.querySelector('button');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      button.disabled = true;
      status.textContent = form.dataset.waiting;
      var token = form.querySelector('input[name=_csrf]').value;
      var name = form.querySelector('input[name=name]');
      var next = form.querySelector('input[name=next]');
      post(form.dataset.options, token)
        .then(function (options) {
          return form.dataset.passkey === 'register'
            ? lib.startRegistration({ optionsJSON: options })
            : lib.startAuthentication({ optionsJSON: options });
        })
        .then(function (response) {
          return post(form.action, token, {
            response: response,
            name: name ? name.value : undefined,
            next: next ? next.value : undefined,
          });
        })
        .then(function (done) {
          window.location.assign(done.redirect);
        })
        .catch(function (err) {
          status.textContent = err && err.message && err.name === 'Error' ? err.message : form.dataset.error;
          button.disabled = false;
        });
    });
  });
})();
