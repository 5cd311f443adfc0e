/* The open conversation's messages and internal notes.
 *
 * Messages are keyed by message id, so a packet and a live frame carrying the same message
 * show it once. Every piece of data reaches the DOM through textContent, never innerHTML.
 */

import * as UI from '../common.js';
import { ui } from './page.js';
import { current } from './state.js';
import { formatTime } from './format.js';

var TYPING_SHOW_MS = 4000;

var make = UI.make;

var shownIds = new Set();        // message ids in the open transcript
var typingTimer = null;

/* Another conversation (or none) is about to be shown: its messages start from nothing. */
export function clearTranscript() {
  shownIds = new Set();
  ui.transcript.textContent = '';
}

/* Transcript order: by time; the customer-visible seq breaks ties. Notes have no seq. */
function messageKey(m) {
  var t = m.created_at ? new Date(m.created_at).getTime() : 0;
  return [isNaN(t) ? 0 : t, typeof m.seq === 'number' ? m.seq : Number.MAX_SAFE_INTEGER, Number(m.id) || 0];
}
function compareKeys(a, b) {
  for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

function renderMessage(m) {
  var sender = String(m.sender || 'system');
  var node = make('div', 'msg' + (m.internal ? ' note' : ''));
  node.setAttribute('data-sender', sender);
  node.setAttribute('data-id', String(m.id));
  node.setAttribute('data-author', (m.internal ? 'note:' : '') + (m.author_name || ''));
  if (typeof m.seq === 'number') node.setAttribute('data-seq', String(m.seq));
  node._key = messageKey(m);

  var meta = make('div', 'msg-meta');
  if (m.internal) {
    meta.appendChild(make('span', 'note-label', 'Internal note'));
    if (m.author_name) meta.appendChild(make('span', 'msg-author', m.author_name));
  } else if (sender === 'customer') {
    var customer = (current && current.customer) || {};
    meta.appendChild(make('span', 'msg-author', m.author_name || customer.name || 'Customer'));
  } else if (sender === 'bot') {
    meta.appendChild(make('span', 'msg-author', m.author_name || 'Assistant'));
    meta.appendChild(make('span', 'badge badge-bot', 'automated'));
  } else if (sender === 'agent') {
    meta.appendChild(make('span', 'msg-author', m.author_name || 'Agent'));
  }
  if (sender !== 'system' || m.internal) node.appendChild(meta);

  node.appendChild(UI.linkified(make('div', 'msg-bubble'), m.body || ''));
  if (m.attachment && /^\/api\/v1\/attachments\/[0-9a-f-]+\/$/.test(String(m.attachment.url))) {
    var link = make('a', 'msg-photo-link');
    link.href = m.attachment.url;
    link.target = '_blank';
    link.rel = 'noopener';
    var img = make('img', 'msg-photo');
    img.alt = 'Photo from the customer: ' + String(m.attachment.name || '');
    img.src = m.attachment.url;
    img.loading = 'lazy';
    link.appendChild(img);
    node.appendChild(link);
  }
  if (sender === 'customer' && m.prediction) node.appendChild(predictionChip(m.prediction));

  if (Array.isArray(m.options) && m.options.length) {
    var opts = make('div', 'msg-options');
    opts.setAttribute('aria-label', 'Quick replies offered');
    m.options.forEach(function (o) { if (o) opts.appendChild(make('span', 'msg-option-chip', o.label || o.value || '')); });
    node.appendChild(opts);
  }
  var time = make('time', 'msg-time', formatTime(m.created_at));
  if (m.created_at) time.setAttribute('datetime', m.created_at);
  node.appendChild(time);
  return node;
}

/* The model's reading of a customer message: intent (confidence) and sentiment. */
export function predictionChip(p) {
  var chip = make('div', 'msg-prediction');
  var intent = String(p.intent || '').replace(/_/g, ' ');
  var pct = typeof p.intent_confidence === 'number' ? Math.round(p.intent_confidence * 100) + '%' : '';
  chip.appendChild(make('span', 'pred-intent', intent + (pct ? ' · ' + pct : '')));
  // A class name from data is cut to letters, as the tier and priority badges are.
  var mood = String(p.sentiment || 'neutral').replace(/[^a-z]/gi, '');
  var s = make('span', 'pred-sentiment pred-' + mood, String(p.sentiment || ''));
  if (typeof p.sentiment_score === 'number') s.title = 'sentiment score ' + p.sentiment_score.toFixed(2);
  chip.appendChild(s);
  // This message's own strongest emotion, and frustration when it reads high: each message
  // keeps its reading while the packet keeps the handoff's.
  var label = 'Model reading: ' + intent + ' ' + pct + ', ' + String(p.sentiment || '');
  var emotions = p.emotions && typeof p.emotions === 'object' ? p.emotions : {};
  var top = Object.keys(emotions).filter(function (k) { return typeof emotions[k] === 'number'; })
    .sort(function (a, b) { return emotions[b] - emotions[a]; })[0];
  if (top && emotions[top] >= 0.3) {
    chip.appendChild(make('span', 'pred-emotion', top));
    label += ', ' + top;
  }
  if (typeof p.frustration === 'number') {
    var f = make('span', 'pred-frustration' + (p.frustration >= 0.55 ? ' pred-frustrated' : ''),
      'frustration ' + Math.round(p.frustration * 100) + '%');
    chip.appendChild(f);
    label += ', frustration ' + Math.round(p.frustration * 100) + '%';
  }
  chip.setAttribute('aria-label', label);
  return chip;
}

function regroup() { UI.regroup(ui.transcript); }

export function addMessage(m) {
  if (!m || m.id === undefined || m.id === null) return false;
  var id = String(m.id);
  if (shownIds.has(id)) return false;
  shownIds.add(id);
  var el = ui.transcript;
  var stick = el.scrollHeight - el.scrollTop - el.clientHeight < 140 || m.sender === 'agent';
  var node = renderMessage(m);
  var before = null;
  for (var i = el.children.length - 1; i >= 0; i--) {
    if (compareKeys(el.children[i]._key, node._key) <= 0) { before = el.children[i + 1] || null; break; }
    if (i === 0) before = el.children[0];
  }
  el.insertBefore(node, before);
  regroup();
  if (stick) el.scrollTop = el.scrollHeight;
  if (m.sender === 'customer') hideTyping();
  return true;
}

export function showTyping() {
  var customer = (current && current.customer) || {};
  ui.typing.textContent = (customer.name || 'The customer') + ' is typing\u2026';
  ui.typing.hidden = false;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
}
export function hideTyping() { clearTimeout(typingTimer); ui.typing.hidden = true; }
