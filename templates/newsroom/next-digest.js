// The next-digest screen, on top of its plain forms (everything works without this file):
// - the preview at its true width (600 or 375 px), scaled down to fit a narrower column; a phone opens at 375;
// - each article's actions are one toolbar, one Tab stop (arrow keys move inside it), so the list is short to walk;
// - after htmx swaps the list, focus goes back to the action just used on the moved or pinned article.
(function () {
  var chosenWidth = null;
  var lastAction = null;

  function fitPreview(root) {
    var frame = root.querySelector('.preview .frame');
    var iframe = frame && frame.querySelector('iframe');
    if (!iframe) {
      return;
    }
    var phone = root.querySelector('#width-phone');
    var width = phone && phone.checked ? 375 : 600;
    var room = frame.clientWidth;
    var scale = Math.min(1, room / width);
    frame.classList.add('scaled');
    frame.style.setProperty('--preview-width', width + 'px');
    frame.style.setProperty('--preview-scale', String(scale));
  }

  function toolbar(bar) {
    var buttons = Array.prototype.slice.call(bar.querySelectorAll('button'));
    if (buttons.length === 0) {
      return;
    }
    bar.setAttribute('role', 'toolbar');
    buttons.forEach(function (b, i) {
      b.tabIndex = i === 0 ? 0 : -1;
    });
    bar.addEventListener('keydown', function (event) {
      var i = buttons.indexOf(document.activeElement);
      if (i < 0) {
        return;
      }
      // Right-to-left: the next button is on the left.
      var step = { ArrowLeft: 1, ArrowRight: -1, Home: -i, End: buttons.length - 1 - i }[event.key];
      if (step === undefined) {
        return;
      }
      event.preventDefault();
      var next = buttons[(i + step + buttons.length) % buttons.length];
      buttons.forEach(function (b) {
        b.tabIndex = b === next ? 0 : -1;
      });
      next.focus();
    });
    bar.addEventListener('focusin', function (event) {
      if (buttons.indexOf(event.target) >= 0) {
        buttons.forEach(function (b) {
          b.tabIndex = b === event.target ? 0 : -1;
        });
      }
    });
  }

  function init(root) {
    var phone = root.querySelector('#width-phone');
    var desktop = root.querySelector('#width-desktop');
    if (phone && desktop) {
      var width = chosenWidth || (window.matchMedia('(max-width: 40rem)').matches ? 'phone' : 'desktop');
      (width === 'phone' ? phone : desktop).checked = true;
      [phone, desktop].forEach(function (radio) {
        radio.addEventListener('change', function () {
          chosenWidth = radio.value;
          fitPreview(root);
        });
      });
    }
    fitPreview(root);
    Array.prototype.forEach.call(root.querySelectorAll('.plan-article-actions'), toolbar);
  }

  function restoreFocus(root) {
    if (!lastAction) {
      return;
    }
    var row = root.querySelector('[data-article-id="' + lastAction.id + '"]');
    var target =
      (row && (row.querySelector('button[data-action="' + lastAction.name + '"]') || row.querySelector('button'))) ||
      root.querySelector('.plan-articles button, .plan-dropped button');
    lastAction = null;
    if (target) {
      var bar = target.closest('.plan-article-actions');
      if (bar) {
        Array.prototype.forEach.call(bar.querySelectorAll('button'), function (b) {
          b.tabIndex = b === target ? 0 : -1;
        });
      }
      target.focus();
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    var root = document.getElementById('next-editor');
    if (root) {
      init(root);
    }
  });
  window.addEventListener('resize', function () {
    var root = document.getElementById('next-editor');
    if (root) {
      fitPreview(root);
    }
  });
  document.addEventListener('submit', function (event) {
    var button = event.submitter || event.target.querySelector('button');
    var row = event.target.closest('[data-article-id]');
    if (row && button) {
      lastAction = { id: row.getAttribute('data-article-id'), name: button.getAttribute('data-action') };
    }
  });
  document.addEventListener('htmx:afterSwap', function () {
    var root = document.getElementById('next-editor');
    if (root) {
      init(root);
      restoreFocus(root);
    }
  });
})();
