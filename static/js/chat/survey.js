/* The satisfaction survey, asked once a conversation is over. The scale is a radio group:
 * one star is in the tab order and the arrow keys move the choice, as for native radios. */

import * as UI from '../common.js';
import { ui, toast, scrollToBottom } from './page.js';
import { conv, save } from './session.js';
import { socket } from './connection.js';

var make = UI.make;

var csatScore = 0;

function buildCsatScale() {
  ui.csatScale.textContent = '';
  var labels = ['Very poor', 'Poor', 'Okay', 'Good', 'Great'];
  for (var n = 1; n <= 5; n++) {
    (function (n) {
      var b = make('button', 'csat-star', String(n));
      b.type = 'button';
      b.setAttribute('role', 'radio');
      b.setAttribute('aria-checked', 'false');
      b.setAttribute('aria-label', n + ' out of 5, ' + labels[n - 1]);
      b.setAttribute('title', labels[n - 1]);
      b.tabIndex = n === 1 ? 0 : -1;
      b.setAttribute('data-score', String(n));
      b.addEventListener('click', function () { pickScore(n, true); });
      b.addEventListener('keydown', function (e) {
        if (e.key === 'ArrowRight' || e.key === 'ArrowUp') { e.preventDefault(); pickScore(Math.min(5, n + 1), true); }
        if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') { e.preventDefault(); pickScore(Math.max(1, n - 1), true); }
      });
      ui.csatScale.appendChild(b);
    })(n);
  }
}

function pickScore(n, focus) {
  csatScore = n;
  Array.prototype.forEach.call(ui.csatScale.children, function (b) {
    var on = Number(b.getAttribute('data-score')) === n;
    b.setAttribute('aria-checked', on ? 'true' : 'false');
    b.tabIndex = on ? 0 : -1;
    if (on && focus) b.focus();
  });
  ui.csatSubmit.disabled = false;
}

export function showCsat() {
  if (conv && conv.csatDone) return;
  if (!ui.csat.hidden) return;
  buildCsatScale();
  csatScore = 0;
  ui.csatSubmit.disabled = true;
  ui.csatForm.hidden = false;
  ui.csatThanks.hidden = true;
  ui.csat.hidden = false;
  setTimeout(scrollToBottom, 0);
}

export function wireSurvey() {
  ui.csatForm.addEventListener('submit', function (e) {
    e.preventDefault();
    if (!csatScore) return;
    var frame = { type: 'csat', score: csatScore };
    var comment = ui.csatComment.value.trim();
    if (comment) frame.comment = comment;
    if (!socket.send(frame)) {
      toast('Not connected right now. Please try again in a moment.', 'error');
      return;
    }
    if (conv) { conv.csatDone = true; save(); }
    ui.csatForm.hidden = true;
    ui.csatThanks.hidden = false;
    ui.csatThanks.setAttribute('tabindex', '-1');
    ui.csatThanks.focus();
  });
}
