/* The weekly scorecard's Print button. A file, not an onclick attribute: the
 * Content-Security-Policy allows scripts only from our own static files (docs/security.md). */
(function () {
  'use strict';
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () { window.print(); });
  });
})();
