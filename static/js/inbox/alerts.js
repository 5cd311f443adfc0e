/* How a new or assigned chat gets the agent's attention: a chime and a flashing tab title,
 * and the unread count in the title. */

import { unread } from './state.js';
import { markNew } from './lists.js';
import { notify } from './notifications.js';

var BASE_TITLE = 'Inbox';

var flashTimer = null;
var audioCtx = null;

function unlockAudio() {
  if (audioCtx) { if (audioCtx.state === 'suspended') audioCtx.resume().catch(function () {}); return; }
  var Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try { audioCtx = new Ctx(); } catch (e) { audioCtx = null; }
}

// Browsers only let a page make sound after the user touched it: unlock on the first gesture.
export function wireAudioUnlock() {
  document.addEventListener('pointerdown', unlockAudio, { once: true, capture: true });
  document.addEventListener('keydown', unlockAudio, { once: true, capture: true });
}

/* A two-note chime made on the fly: no audio file to ship or cache. */
function chime() {
  if (!audioCtx || audioCtx.state !== 'running') return;
  var t0 = audioCtx.currentTime + 0.01;
  [[880, 0], [1318.5, 0.14]].forEach(function (pair) {
    var osc = audioCtx.createOscillator();
    var gain = audioCtx.createGain();
    osc.type = 'sine';
    osc.frequency.value = pair[0];
    var start = t0 + pair[1];
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.18, start + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.32);
    osc.connect(gain).connect(audioCtx.destination);
    osc.start(start);
    osc.stop(start + 0.34);
  });
}

function totalUnread() {
  var n = 0;
  unread.forEach(function (v) { n += v; });
  return n;
}

function baseTitle() {
  var n = totalUnread();
  return (n ? '(' + n + ') ' : '') + BASE_TITLE;
}

export function updateTitle() {
  if (!flashTimer) document.title = baseTitle();
}

function flashTitle(text) {
  clearInterval(flashTimer);
  var on = false;
  var ticks = 0;
  flashTimer = setInterval(function () {
    on = !on;
    ticks += 1;
    document.title = on ? '\u25CF ' + text : baseTitle();
    if (ticks >= 12 || (document.hasFocus() && ticks >= 4)) {
      clearInterval(flashTimer);
      flashTimer = null;
      document.title = baseTitle();
    }
  }, 900);
}

function cue(text) {
  chime();
  flashTitle(text);
}

/* One cue per arrival: the server may announce a conversation with both
   conversation.updated and conversation.queued (or .assigned); ring once. */
var cuedAt = new Map();   // 'queued:<id>' | 'mine:<id>' -> ms
export function cueOnce(kind, id, text, detail) {
  var key = kind + ':' + id;
  var last = cuedAt.get(key) || 0;
  if (Date.now() - last < 15000) return;
  cuedAt.set(key, Date.now());
  markNew(kind, id);
  cue(text);
  // An assignment also reaches an agent who is looking at another tab (inbox/notifications.js).
  if (kind === 'mine') notify(id, text, detail);
}

// Back on the tab, the agent has seen it: the title stops flashing.
export function wireTitle() {
  window.addEventListener('focus', function () {
    if (flashTimer) { clearInterval(flashTimer); flashTimer = null; }
    updateTitle();
  });
}
