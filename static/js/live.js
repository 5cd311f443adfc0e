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
 *
 * Between reads the waits keep counting: each `data-since` time (a queue's longest wait, how
 * long a conversation at risk has been where it is) is shown as time since then every second,
 * on the server's clock (the board's `data-at` against this page's clock when it came).
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
  keepTime();
}

// The server's clock minus this page's, from the board shown last.
let skew = 0;

function keepTime() {
  const shown = board.querySelector('[data-at]');
  const at = shown ? Date.parse(shown.getAttribute('data-at')) : NaN;
  skew = Number.isNaN(at) ? 0 : at - Date.now();
}

function tick() {
  const now = Date.now() + skew;
  board.querySelectorAll('[data-since]').forEach(function (cell) {
    const since = Date.parse(cell.getAttribute('data-since'));
    if (!Number.isNaN(since)) cell.textContent = duration(Math.max(0, now - since) / 1000);
  });
}

// As analytics/formatting.py `duration` writes it on the server.
function duration(seconds) {
  if (seconds < 1) return seconds.toFixed(2) + ' s';
  if (seconds < 10) return seconds.toFixed(1) + ' s';
  const whole = Math.round(seconds);
  if (whole < 60) return whole + ' s';
  if (whole < 3600) {
    const secs = whole % 60;
    return Math.floor(whole / 60) + ' min' + (secs ? ' ' + secs + ' s' : '');
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 24 * 60) {
    const mins = minutes % 60;
    return Math.floor(minutes / 60) + ' h' + (mins ? ' ' + mins + ' min' : '');
  }
  const hours = Math.round(seconds / 3600);
  const hrs = hours % 24;
  return Math.floor(hours / 24) + ' d' + (hrs ? ' ' + hrs + ' h' : '');
}

keepTime();
setInterval(tick, 1000);

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
