/* The live desk (/analytics/live/): the board the server rendered, read again when the desk
 * changes.
 *
 * The server pushes a "desk.changed" frame over the agent socket (`?view=desk`: a socket that
 * only listens, and does not put the supervisor online for chats; docs/protocol.md). The frame
 * carries no figures, so a burst of them (a handoff, then routing's assignment a moment later)
 * folds into one read of the board: the first frame starts a short wait, the read follows
 * it, and frames arriving while a read is on its way ask for one more read after it. No
 * polling: with nothing changing, nothing is read. After every (re)connect the board is read
 * once, since frames sent while the socket was down are lost.
 *
 * The board is the same template the page was rendered with (analytics/_live_board.html),
 * escaped by Django's autoescaping; it replaces the old one whole.
 */

import { byId } from './common.js';
import { ReconnectingSocket } from './socket.js';

const FOLD_MS = 250;

const board = byId('board');
const status = byId('live-status');
const boardUrl = board.getAttribute('data-board-url');

let timer = null;
let reading = false;
let again = false;

function soon() {
  if (timer) return;
  timer = setTimeout(function () { timer = null; read(); }, FOLD_MS);
}

function read() {
  if (reading) { again = true; return; }
  reading = true;
  again = false;
  fetch(boardUrl, { credentials: 'same-origin', cache: 'no-store', headers: { 'Accept': 'text/html' } })
    .then(function (response) {
      if (response.redirected || response.status === 401 || response.status === 403) {
        // Signed out, or no longer a supervisor: the page itself says which.
        window.location.reload();
        return null;
      }
      if (!response.ok) throw new Error('board ' + response.status);
      return response.text();
    })
    .then(function (html) {
      if (html === null) return;
      show(html);
    })
    .catch(function () {
      status.textContent = 'Could not update the board; it will try again on the next change.';
    })
    .finally(function () {
      reading = false;
      if (again) soon();
    });
}

function show(html) {
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  const fresh = parsed.body.firstElementChild;
  if (!fresh) return;
  board.replaceChildren(document.importNode(fresh, true));
  status.textContent = 'As of ' + (fresh.getAttribute('data-shown-at') || 'now');
}

const socket = new ReconnectingSocket({
  url: function () { return '/ws/agent/?view=desk'; },
  banner: byId('live-banner'),
  onOpen: read,
  onFrame: function (frame) {
    if (frame && frame.type === 'desk.changed') soon();
  },
  onClose: function () { return true; }
});

socket.connect();
