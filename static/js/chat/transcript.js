/* The conversation as the customer sees it.
 *
 * Messages are keyed by seq: a replay after a reconnect can repeat some, none is shown twice.
 * Every piece of data reaches the DOM through textContent / createTextNode, never innerHTML.
 */

import * as UI from '../common.js';
import { ui, botName, nearBottom, scrollToBottom } from './page.js';
import { conv, state, ended, save } from './session.js';
import { delivered } from './outbox.js';
import { sendMessage } from './composer.js';

var TYPING_SHOW_MS = 4000;

var make = UI.make;

export var bySeq = new Map();        // seq -> element
var typingTimer = null;

function formatTime(iso) {
  if (!iso) return '';
  var d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function renderMessage(m) {
  var node = make('div', 'msg');
  var sender = String(m.sender || 'system');
  node.setAttribute('data-seq', String(m.seq));
  node.setAttribute('data-sender', sender);
  node.setAttribute('data-author', m.author_name || '');
  if (m.id) node.setAttribute('data-id', String(m.id));

  if (sender === 'bot' || sender === 'agent') {
    var meta = make('div', 'msg-meta');
    meta.appendChild(make('span', 'msg-author', m.author_name || (sender === 'bot' ? botName : 'Support')));
    if (sender === 'bot') meta.appendChild(make('span', 'badge badge-bot', 'automated'));
    node.appendChild(meta);
  } else if (sender === 'customer') {
    node.appendChild(make('span', 'visually-hidden', 'You said:'));
  }
  node.appendChild(UI.linkified(make('div', 'msg-bubble'), m.body || ''));
  if (m.attachment && /^\/api\/v1\/attachments\/[0-9a-f-]+\/$/.test(String(m.attachment.url)) && conv) {
    var img = make('img', 'msg-photo');
    img.alt = 'Photo: ' + String(m.attachment.name || '');
    img.src = m.attachment.url + '?token=' + encodeURIComponent(conv.token);
    img.loading = 'lazy';
    // A photo grows the log once it has loaded: the end of the chat stays in view (after a
    // reload too, when every photo of the history loads at once).
    img.addEventListener('load', function () { if (nearBottom(img.offsetHeight + 40)) scrollToBottom(); });
    node.appendChild(img);
  }

  var sources = sourcesNode(m.sources);
  if (sources) node.appendChild(sources);

  if (Array.isArray(m.options) && m.options.length) {
    var opts = make('div', 'msg-options');
    opts.setAttribute('role', 'group');
    opts.setAttribute('aria-label', 'Quick replies');
    m.options.forEach(function (opt) {
      if (!opt) return;
      var b = make('button', 'msg-option', opt.label || opt.value || '');
      b.type = 'button';
      b.addEventListener('click', function () {
        if (ended || b.disabled) return;
        sendMessage(String(opt.value !== undefined ? opt.value : opt.label));
      });
      opts.appendChild(b);
    });
    node.appendChild(opts);
  }

  var time = make('time', 'msg-time', formatTime(m.created_at));
  if (m.created_at) time.setAttribute('datetime', m.created_at);
  node.appendChild(time);
  return node;
}

/* knowledge-base.md §2: the articles an answer came from; a title is a link when the article
 * has a page (http or https only: anything else shows as text). */
function sourcesNode(sources) {
  if (!Array.isArray(sources) || !sources.length) return null;
  var box = make('div', 'msg-sources');
  box.appendChild(make('span', 'msg-sources-label', 'Source: '));
  sources.forEach(function (src, i) {
    if (!src || !src.title) return;
    if (i) box.appendChild(document.createTextNode(', '));
    var url = String(src.url || '');
    if (/^https?:\/\//i.test(url)) {
      var a = make('a', 'msg-source', String(src.title));
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      box.appendChild(a);
    } else {
      box.appendChild(make('span', 'msg-source', String(src.title)));
    }
  });
  return box;
}

/* Only the latest message's quick replies are live; older ones are hidden. */
export function refreshOptions() {
  var maxSeq = -1;
  bySeq.forEach(function (_, seq) { if (seq > maxSeq) maxSeq = seq; });
  bySeq.forEach(function (node, seq) {
    var opts = node.querySelector('.msg-options');
    if (!opts) return;
    var live = seq === maxSeq && !ended;
    opts.classList.toggle('is-stale', !live);
    Array.prototype.forEach.call(opts.querySelectorAll('button'), function (b) { b.disabled = !live; });
  });
}

/* Consecutive messages from one author read as one group: the name is shown once. */
function regroup() { UI.regroup(ui.log); }

export function addMessage(m) {
  if (!m || typeof m.seq !== 'number' || m.internal) return;
  delivered(m.client_msg_id);
  if (m.seq > (conv.lastSeq || 0)) conv.lastSeq = m.seq;
  save();
  if (bySeq.has(m.seq)) return;

  var stick = nearBottom() || m.sender === 'customer';
  var node = renderMessage(m);
  bySeq.set(m.seq, node);
  // Sorted by seq; messages still sending stay below everything the server has stored.
  var before = null;
  var children = ui.log.children;
  for (var i = 0; i < children.length; i++) {
    var c = children[i];
    var s = c.getAttribute('data-seq');
    if (s === null || Number(s) > m.seq) { before = c; break; }
  }
  ui.log.insertBefore(node, before);
  if (m.sender === 'bot' || m.sender === 'agent') hideTyping();
  refreshOptions();
  regroup();
  if (stick) scrollToBottom();
}

export function showTyping(sender) {
  var who = sender === 'agent' ? (state.agent_name || 'Support') : botName;
  ui.typing.textContent = who + ' is typing\u2026';
  ui.typing.hidden = false;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
}
export function hideTyping() { clearTimeout(typingTimer); ui.typing.hidden = true; }
