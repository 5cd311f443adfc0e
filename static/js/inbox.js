/* The agent inbox (docs: shared/spec/chat-protocol.md, section 3).
 *
 * Rules this file keeps:
 *  - every piece of data reaches the DOM through textContent / createTextNode, never innerHTML;
 *  - the lists are rebuilt from GET /api/v1/inbox/ after every (re)connect, then kept live by
 *    websocket frames, so a dropped socket never leaves a stale list behind;
 *  - transcript messages are keyed by message id, so a packet and a live frame carrying the same
 *    message show it once.
 */

import * as UI from './common.js';
import { ReconnectingSocket } from './socket.js';

var TYPING_SEND_EVERY_MS = 2000;
var TYPING_SHOW_MS = 4000;
var BASE_TITLE = 'Inbox';
var PRIORITY_RANK = { urgent: 3, high: 2, normal: 1, low: 0 };
var FINAL = { resolved: true, abandoned: true };

var $ = UI.byId;
var make = UI.make;
var getCookie = UI.getCookie;

var app = $('app');
var wsPath = app.getAttribute('data-ws-path') || '/ws/agent/';
var isSupervisor = app.getAttribute('data-supervisor') === '1';

var ui = {
  presence: $('presence-toggle'),
  presenceLabel: $('presence-label'),
  queuedList: $('queued-list'), queuedCount: $('queued-count'), queuedEmpty: $('queued-empty'),
  mineList: $('mine-list'), mineCount: $('mine-count'), mineEmpty: $('mine-empty'),
  botList: $('bot-list'), botCount: $('bot-count'), botEmpty: $('bot-empty'),
  empty: $('empty-state'),
  view: $('conv-view'),
  back: $('back-btn'),
  title: $('conv-title'),
  subtitle: $('conv-subtitle'),
  accept: $('accept-btn'),
  transferSelect: $('transfer-select'),
  transfer: $('transfer-btn'),
  handback: $('handback-btn'),
  resolve: $('resolve-btn'),
  transcript: $('transcript'),
  typing: $('typing-indicator'),
  replyForm: $('reply-form'),
  replyToggle: $('reply-toggle'),
  noteToggle: $('note-toggle'),
  replyHint: $('reply-hint'),
  replyLabel: $('reply-label'),
  input: $('reply-input'),
  send: $('reply-send'),
  packet: $('packet'),
  packetBody: $('packet-body'),
  packetToggle: $('packet-toggle'),
  packetClose: $('packet-close'),
  toasts: $('toasts')
};

/* ---------------------------------------------------------------- state */

var me = null;                   // agent object from /api/v1/inbox/
var queueNames = [];
var lists = {
  queued: { map: new Map(), el: ui.queuedList, count: ui.queuedCount, empty: ui.queuedEmpty, ticking: true },
  mine: { map: new Map(), el: ui.mineList, count: ui.mineCount, empty: ui.mineEmpty, ticking: false },
  bot: { map: new Map(), el: ui.botList, count: ui.botCount, empty: ui.botEmpty, ticking: false }
};
var unread = new Map();          // conversation id -> count
var openId = null;
var current = null;              // the open conversation's packet C
var shownIds = new Set();        // message ids in the open transcript
var csatByConv = new Map();
var mode = 'reply';              // 'reply' | 'note'

var lastTypingSent = 0;
var typingTimer = null;
var flashTimer = null;
var refetchTimer = null;

/* -------------------------------------------------------------- helpers */


function toast(text, kind) { UI.toast(ui.toasts, text, kind); }

function formatTime(iso) {
  if (!iso) return '';
  var d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  var sameDay = new Date().toDateString() === d.toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' +
      d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function formatDate(iso) {
  if (!iso) return '';
  var d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  return d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

function since(iso) {
  if (!iso) return '';
  var t = new Date(iso).getTime();
  if (isNaN(t)) return '';
  var s = Math.max(0, Math.floor((Date.now() - t) / 1000));
  if (s < 60) return s + 's';
  var m = Math.floor(s / 60);
  if (m < 60) return m + 'm ' + String(s % 60).padStart(2, '0') + 's';
  var h = Math.floor(m / 60);
  if (h < 24) return h + 'h ' + (m % 60) + 'm';
  return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
}

function percent(x) {
  if (x === null || x === undefined || isNaN(Number(x))) return null;
  return Math.round(Number(x) * 100);
}

function humanize(s) {
  if (s === null || s === undefined || s === '') return '';
  return String(s).replace(/[_-]+/g, ' ').replace(/^\w/, function (c) { return c.toUpperCase(); });
}

function myId() { return me ? String(me.id) : null; }
function isMine(c) { return !!(c && me && c.status === 'assigned' && c.agent_id !== null && c.agent_id !== undefined && String(c.agent_id) === myId()); }


function apiGet(url) {
  return fetch(url, {
    credentials: 'same-origin', cache: 'no-store',
    headers: { 'Accept': 'application/json', 'X-CSRFToken': getCookie('csrftoken') || '' }
  });
}

function sendOrWarn(frame) {
  if (socket.send(frame)) return true;
  toast('Not connected. Reconnecting\u2026 try again in a moment.', 'error');
  return false;
}

/* --------------------------------------------------- sound and title */

var audioCtx = null;
function unlockAudio() {
  if (audioCtx) { if (audioCtx.state === 'suspended') audioCtx.resume().catch(function () {}); return; }
  var Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try { audioCtx = new Ctx(); } catch (e) { audioCtx = null; }
}
// Browsers only let a page make sound after the user touched it: unlock on the first gesture.
document.addEventListener('pointerdown', unlockAudio, { once: true, capture: true });
document.addEventListener('keydown', unlockAudio, { once: true, capture: true });

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

function updateTitle() {
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
function cueOnce(kind, id, text) {
  var key = kind + ':' + id;
  var last = cuedAt.get(key) || 0;
  if (Date.now() - last < 15000) return;
  cuedAt.set(key, Date.now());
  markNew(kind, id);
  cue(text);
}

/* ---------------------------------------------------------------- lists */

function sortKey(listName) {
  if (listName === 'queued') {
    return function (a, b) {
      var pa = PRIORITY_RANK[a.priority] || 0, pb = PRIORITY_RANK[b.priority] || 0;
      if (pa !== pb) return pb - pa;
      return String(a.queued_at || a.created_at || '').localeCompare(String(b.queued_at || b.created_at || ''));
    };
  }
  return function (a, b) {
    var ka = String(a.assigned_at || a.created_at || ''), kb = String(b.assigned_at || b.created_at || '');
    return kb.localeCompare(ka);
  };
}

function fillItem(li, c, listName) {
  var btn = li.firstChild;
  btn.textContent = '';
  var customer = c.customer || {};
  var name = customer.name || customer.email || 'Visitor';

  var row1 = make('span', 'conv-row');
  row1.appendChild(make('span', 'conv-name', name));
  if (customer.tier && customer.tier !== 'standard' && customer.tier !== 'regular') {
    row1.appendChild(make('span', 'badge tier tier-' + String(customer.tier).replace(/[^a-z0-9_-]/gi, ''), customer.tier));
  }
  var n = unread.get(String(c.id)) || 0;
  if (n) {
    var u = make('span', 'unread', n > 99 ? '99+' : n);
    u.setAttribute('aria-label', n + ' unread');
    row1.appendChild(u);
  }
  var sinceIso = listName === 'queued' ? (c.queued_at || c.created_at)
    : listName === 'mine' ? (c.assigned_at || c.created_at) : c.created_at;
  var time = make('span', 'conv-time', since(sinceIso));
  time.setAttribute('data-since', sinceIso || '');
  time.setAttribute('title', listName === 'queued' ? 'Waiting for' : 'Since');
  row1.appendChild(time);
  btn.appendChild(row1);

  var row2 = make('span', 'conv-row');
  if (c.priority) {
    row2.appendChild(make('span', 'badge prio prio-' + String(c.priority).replace(/[^a-z]/gi, ''), c.priority));
  }
  var meta = [];
  if (c.queue) meta.push(c.queue);
  if (c.intent) meta.push(humanize(c.intent));
  if (listName === 'bot' && c.status) meta.push(humanize(c.status));
  row2.appendChild(make('span', 'conv-meta', meta.join(' \u00B7 ')));
  btn.appendChild(row2);

  if (c.summary && listName !== 'mine') {
    btn.appendChild(make('span', 'conv-summary', c.summary));
  }
  li.classList.toggle('has-unread', n > 0);
  li.classList.toggle('is-active', String(c.id) === openId);
}

function renderList(listName) {
  var list = lists[listName];
  if (!list.el) return;
  var items = Array.from(list.map.values()).sort(sortKey(listName));
  var existing = new Map();
  Array.prototype.forEach.call(list.el.children, function (li) {
    existing.set(li.getAttribute('data-conversation-id'), li);
  });
  var keep = new Set();
  items.forEach(function (c, index) {
    var id = String(c.id);
    keep.add(id);
    var li = existing.get(id);
    if (!li) {
      li = make('li', 'conv-item');
      li.setAttribute('data-conversation-id', id);
      var btn = make('button', 'conv-open');
      btn.type = 'button';
      btn.addEventListener('click', function () { openConversation(id); });
      li.appendChild(btn);
    }
    fillItem(li, c, listName);
    if (list.el.children[index] !== li) list.el.insertBefore(li, list.el.children[index] || null);
  });
  existing.forEach(function (li, id) { if (!keep.has(id)) li.remove(); });
  list.count.textContent = String(items.length);
  list.empty.hidden = items.length > 0;
}

function renderAllLists() { renderList('queued'); renderList('mine'); renderList('bot'); }

function upsert(listName, c) {
  var list = lists[listName];
  var id = String(c.id);
  var isNew = !list.map.has(id);
  var prev = list.map.get(id) || {};
  list.map.set(id, Object.assign({}, prev, c, { customer: Object.assign({}, prev.customer || {}, c.customer || {}) }));
  return isNew;
}

function remove(listName, id) { return lists[listName].map.delete(String(id)); }

function markNew(listName, id) {
  var li = lists[listName].el && lists[listName].el.querySelector('[data-conversation-id="' + CSS.escape(String(id)) + '"]');
  if (!li) return;
  li.classList.remove('is-new');
  void li.offsetWidth;
  li.classList.add('is-new');
}

/* Apply a summary S to the lists by the rules of the spec. */
function placeSummary(s) {
  var id = String(s.id);
  var myQueue = isSupervisor || (me && Array.isArray(me.queues) && me.queues.indexOf(s.queue) !== -1);
  if (s.status === 'queued' && myQueue) upsert('queued', s);
  else remove('queued', id);
  if (isMine(s)) upsert('mine', s);
  else remove('mine', id);
  if (isSupervisor && s.status === 'bot') upsert('bot', s);
  else remove('bot', id);
  if (!lists.queued.map.has(id) && !lists.mine.map.has(id) && !lists.bot.map.has(id) && id !== openId) unread.delete(id);
}

/* ------------------------------------------------------------ data load */

/* Frames that change the lists while the snapshot is on its way are applied again on top of
   it: the snapshot may have been read before them (e.g. an assignment made as we came online). */
var loadingInbox = false;
var replayFrames = [];

function loadInbox() {
  loadingInbox = true;
  replayFrames = [];
  return apiGet('/api/v1/inbox/').then(function (res) {
    if (res.status === 401 || res.status === 403) {
      window.location.href = '/login/?next=' + encodeURIComponent('/inbox/');
      return null;
    }
    if (!res.ok) throw new Error('inbox ' + res.status);
    return res.json();
  }).then(function (data) {
    if (!data) return;
    me = data.agent || me;
    if (me && me.presence) setPresence(me.presence);
    var qs = Array.isArray(data.queues) ? data.queues.map(function (q) { return q && q.name; }).filter(Boolean) : [];
    if (qs.length) queueNames = qs;
    fillTransferSelect();
    ['queued', 'mine', 'bot'].forEach(function (name) { lists[name].map.clear(); });
    (data.queued || []).forEach(function (s) { upsert('queued', s); });
    (data.mine || []).forEach(function (s) { upsert('mine', s); });
    if (isSupervisor) (data.with_bot || []).forEach(function (s) { upsert('bot', s); });
    var again = replayFrames;
    loadingInbox = false;
    replayFrames = [];
    again.forEach(handleFrame);
    renderAllLists();
    updateTitle();
  }).catch(function () {
    loadingInbox = false;
    toast('Could not load the inbox. Retrying when the connection is back.', 'error');
  });
}

function fillTransferSelect() {
  var sel = ui.transferSelect;
  var chosen = sel.value;
  while (sel.options.length > 1) sel.remove(1);
  queueNames.forEach(function (name) {
    var opt = document.createElement('option');
    opt.value = name;
    opt.textContent = name;
    sel.appendChild(opt);
  });
  if (queueNames.indexOf(chosen) !== -1) sel.value = chosen;
}

/* ------------------------------------------------------- conversation */

function openConversation(id) {
  id = String(id);
  if (openId && openId !== id) socket.send({ type: 'unwatch', conversation_id: openId });
  var switching = openId !== id;
  openId = id;
  if (switching) {
    current = null;
    shownIds = new Set();
    ui.transcript.textContent = '';
    ui.title.textContent = 'Loading\u2026';
    ui.subtitle.textContent = '';
    ui.input.value = '';
    hideTyping();
    setMode('reply');
  }
  unread.delete(id);
  ui.empty.hidden = true;
  ui.view.hidden = false;
  document.body.classList.remove('view-list');
  document.body.classList.add('view-conv');
  renderAllLists();
  updateTitle();
  return fetchOpen(true);
}

function fetchOpen(watch) {
  var id = openId;
  if (!id) return Promise.resolve();
  return apiGet('/api/v1/agent/conversations/' + encodeURIComponent(id) + '/').then(function (res) {
    if (openId !== id) return null;
    if (res.status === 404 || res.status === 403) {
      toast('That conversation is not available to you any more.', 'error');
      ['queued', 'mine', 'bot'].forEach(function (n) { remove(n, id); });
      renderAllLists();
      closeConversation();
      return null;
    }
    if (!res.ok) throw new Error('packet ' + res.status);
    return res.json();
  }).then(function (c) {
    if (!c || openId !== id) return;
    applyPacket(c);
    if (watch) socket.send({ type: 'watch', conversation_id: id });
  }).catch(function () {
    if (openId === id) toast('Could not load this conversation. Try again.', 'error');
  });
}

function scheduleRefetch() {
  clearTimeout(refetchTimer);
  refetchTimer = setTimeout(function () { fetchOpen(false); }, 250);
}

function closeConversation() {
  if (openId) socket.send({ type: 'unwatch', conversation_id: openId });
  openId = null;
  current = null;
  shownIds = new Set();
  ui.transcript.textContent = '';
  ui.view.hidden = true;
  ui.empty.hidden = false;
  document.body.classList.remove('view-conv', 'packet-open');
  document.body.classList.add('view-list');
  renderPacket();
  renderAllLists();
}

/* Merge a full packet C (from REST, the watch answer or conversation.assigned). */
/* The first reply of a conversation I hold starts from the suggested opening. */
var prefilledFor = null;
function prefillOpening(c) {
  if (!c.suggested_opening || prefilledFor === String(c.id) || !isMine(current) || ui.input.value) return;
  var answered = (c.transcript || []).some(function (m) { return m.sender === 'agent' && !m.internal; });
  if (answered) return;
  prefilledFor = String(c.id);
  if (mode !== 'reply') setMode('reply');
  ui.input.value = c.suggested_opening;
  renderComposer();
}

function applyPacket(c) {
  if (!c || String(c.id) !== openId) return;
  var prev = current || {};
  var el = ui.transcript;
  var stick = !prev.id || el.scrollHeight - el.scrollTop - el.clientHeight < 140;
  current = Object.assign({}, prev, c, { customer: Object.assign({}, prev.customer || {}, c.customer || {}) });
  delete current.transcript;
  (c.transcript || []).forEach(addMessage);
  renderHeader();
  renderPacket();
  prefillOpening(c);
  // The header and action bar can change height after the messages went in: scroll last.
  if (stick) el.scrollTop = el.scrollHeight;
}

/* Merge a summary S (conversation.updated) into the open conversation. */
function applySummaryToOpen(s) {
  if (!current || String(s.id) !== openId) return;
  current = Object.assign({}, current, s, { customer: Object.assign({}, current.customer || {}, s.customer || {}) });
  renderHeader();
  renderPacket();
}

function renderHeader() {
  if (!current) return;
  var customer = current.customer || {};
  ui.title.textContent = '';
  ui.title.appendChild(make('span', 'conv-title-text', customer.name || customer.email || 'Visitor'));
  if (current.status) {
    var pill = make('span', 'badge status-pill', current.status === 'bot' ? 'with bot' : current.status);
    pill.setAttribute('data-status', current.status);
    ui.title.appendChild(pill);
  }
  var bits = [];
  if (current.queue) bits.push(current.queue);
  if (current.agent_name) bits.push(current.status === 'assigned' ? 'with ' + current.agent_name : current.agent_name);
  if (current.channel) bits.push(humanize(current.channel));
  if (customer.email && customer.name) bits.push(customer.email);
  ui.subtitle.textContent = bits.join(' \u00B7 ');
  renderActions();
}

function renderActions() {
  var st = current ? current.status : null;
  var mine = isMine(current);
  var final = !!FINAL[st];
  ui.accept.hidden = mine || final;
  ui.accept.disabled = !(st === 'queued' || st === 'bot');
  ui.transferSelect.disabled = !(st === 'queued' || st === 'assigned');
  ui.transfer.disabled = ui.transferSelect.disabled;
  ui.handback.disabled = !(st === 'queued' || st === 'assigned');
  ui.resolve.disabled = !(st === 'queued' || st === 'assigned' || st === 'bot');
  renderComposer(mine, final);
}

function renderComposer(mine, final) {
  if (mine === undefined) { mine = isMine(current); final = !!(current && FINAL[current.status]); }
  if (mode === 'note') {
    ui.send.disabled = !current;
    ui.replyHint.textContent = 'Only agents see internal notes.';
  } else {
    ui.send.disabled = !mine;
    ui.replyHint.textContent = mine ? '' : final ? 'This conversation is closed.'
      : 'Accept the conversation to reply, or add an internal note.';
  }
}

function setMode(next) {
  mode = next;
  var note = mode === 'note';
  ui.replyForm.classList.toggle('is-note', note);
  ui.replyToggle.setAttribute('aria-checked', note ? 'false' : 'true');
  ui.noteToggle.setAttribute('aria-checked', note ? 'true' : 'false');
  ui.replyToggle.tabIndex = note ? -1 : 0;
  ui.noteToggle.tabIndex = note ? 0 : -1;
  ui.input.placeholder = note ? 'Write an internal note \u2014 the customer never sees it\u2026' : 'Write a reply\u2026';
  ui.replyLabel.textContent = note ? 'Internal note (agents only)' : 'Reply to the customer';
  ui.send.textContent = note ? 'Add note' : 'Send';
  renderComposer();
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

  node.appendChild(make('div', 'msg-bubble', m.body || ''));
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
function predictionChip(p) {
  var chip = make('div', 'msg-prediction');
  var intent = String(p.intent || '').replace(/_/g, ' ');
  var pct = typeof p.intent_confidence === 'number' ? Math.round(p.intent_confidence * 100) + '%' : '';
  chip.appendChild(make('span', 'pred-intent', intent + (pct ? ' · ' + pct : '')));
  // A class name from data is cut to letters, as the tier and priority badges are.
  var mood = String(p.sentiment || 'neutral').replace(/[^a-z]/gi, '');
  var s = make('span', 'pred-sentiment pred-' + mood, String(p.sentiment || ''));
  if (typeof p.sentiment_score === 'number') s.title = 'sentiment score ' + p.sentiment_score.toFixed(2);
  chip.appendChild(s);
  chip.setAttribute('aria-label', 'Model reading: ' + intent + ' ' + pct + ', ' + String(p.sentiment || ''));
  return chip;
}

function onPrediction(f) {
  if (String(f.conversation_id) !== openId || !f.prediction) return;
  // The latest reading is the conversation's sentiment (the list hears only label changes).
  applySummaryToOpen({
    id: f.conversation_id, sentiment: f.prediction.sentiment, sentiment_score: f.prediction.sentiment_score
  });
  var node = ui.transcript.querySelector('.msg[data-id="' + String(f.message_id).replace(/[^0-9]/g, '') + '"]');
  if (!node || node.querySelector('.msg-prediction')) return;
  node.insertBefore(predictionChip(f.prediction), node.querySelector('.msg-time'));
}

function regroup() { UI.regroup(ui.transcript); }

function addMessage(m) {
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

function showTyping() {
  var customer = (current && current.customer) || {};
  ui.typing.textContent = (customer.name || 'The customer') + ' is typing\u2026';
  ui.typing.hidden = false;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
}
function hideTyping() { clearTimeout(typingTimer); ui.typing.hidden = true; }

/* ----------------------------------------------------------- packet */

function section(title) {
  var s = make('section', 'packet-section');
  if (title) s.appendChild(make('h3', null, title));
  return s;
}

function kv(rows) {
  var dl = make('dl', 'kv');
  rows.forEach(function (r) {
    if (r[1] === null || r[1] === undefined || r[1] === '') return;
    dl.appendChild(make('dt', null, r[0]));
    var dd = make('dd');
    if (r[1] instanceof Node) dd.appendChild(r[1]); else dd.textContent = String(r[1]);
    dl.appendChild(dd);
  });
  return dl;
}

/* Agent assist: an opening line that shows the customer they need not repeat themselves,
   matching articles and canned replies, each inserted into the reply box with one click; and
   the agent's verdict on the bot's handling. */
function insertReply(text) {
  if (mode !== 'reply') setMode('reply');
  var v = ui.input.value;
  ui.input.value = v ? v.replace(/\s+$/, '') + '\n' + text : text;
  ui.input.focus();
  renderComposer();
}

function assistRow(title, text) {
  var row = make('div', 'assist-row');
  row.appendChild(make('span', 'assist-title', title));
  var b = make('button', 'btn btn-small', 'Insert');
  b.type = 'button';
  b.setAttribute('aria-label', 'Insert: ' + title);
  b.addEventListener('click', function () { insertReply(text); });
  row.appendChild(b);
  return row;
}

function renderAssist(body, c) {
  var s = section('Assist');
  s.id = 'assist';
  if (c.suggested_opening) s.appendChild(assistRow('Suggested opening: \u201C' + c.suggested_opening + '\u201D', c.suggested_opening));
  var a = c.assist || {};
  (a.articles || []).forEach(function (x) { s.appendChild(assistRow('Article: ' + x.title, x.text)); });
  (a.replies || []).forEach(function (x) { s.appendChild(assistRow('Reply: ' + x.title, x.text)); });
  body.appendChild(s);
  if (c.handoff_trigger) {
    var r = section('How did the bot do?');
    var row = make('div', 'assist-row');
    var intent = make('input', 'rate-intent');
    intent.type = 'text';
    intent.placeholder = 'right intent, if it was wrong';
    intent.setAttribute('aria-label', 'The right intent, if the bot was wrong');
    ['up', 'down'].forEach(function (rating) {
      var b = make('button', 'btn btn-small', rating === 'up' ? '\uD83D\uDC4D Good' : '\uD83D\uDC4E Poor');
      b.type = 'button';
      b.setAttribute('data-rating', rating);
      b.addEventListener('click', function () {
        var frame = { type: 'rate_bot', conversation_id: c.id, rating: rating };
        if (intent.value.trim()) frame.intent = intent.value.trim();
        if (sendOrWarn(frame)) toast('Thanks \u2014 noted for the next training run.', 'ok');
      });
      row.appendChild(b);
    });
    r.appendChild(row);
    r.appendChild(intent);
    body.appendChild(r);
  }
}

function renderPacket() {
  var body = ui.packetBody;
  body.textContent = '';
  if (!current) {
    body.appendChild(make('p', 'packet-empty', 'Open a conversation to see what the assistant learned.'));
    return;
  }
  var c = current;

  var s1 = section('Handoff');
  var intent = null;
  if (c.intent) {
    intent = make('span');
    intent.appendChild(document.createTextNode(humanize(c.intent)));
    var p = percent(c.intent_confidence);
    if (p !== null) {
      intent.appendChild(document.createTextNode(' \u00B7 ' + p + '%'));
      var meter = make('span', 'meter');
      meter.setAttribute('aria-hidden', 'true');
      var fill = make('span');
      fill.style.width = Math.max(0, Math.min(100, p)) + '%';
      meter.appendChild(fill);
      intent.appendChild(meter);
    }
  }
  var sentiment = null;
  if (c.sentiment) {
    sentiment = make('span', 'sentiment-' + String(c.sentiment).replace(/[^a-z]/gi, ''), humanize(c.sentiment));
    if (c.sentiment_score !== null && c.sentiment_score !== undefined && !isNaN(Number(c.sentiment_score))) {
      sentiment.textContent += ' (' + (Number(c.sentiment_score) > 0 ? '+' : '') + Number(c.sentiment_score).toFixed(2) + ')';
    }
  }
  var wait = null;
  if (c.status === 'queued') {
    var w = [];
    if (c.position !== null && c.position !== undefined) w.push('#' + c.position + ' in line');
    if (c.estimated_wait_seconds !== null && c.estimated_wait_seconds !== undefined) w.push('~' + Math.max(1, Math.round(c.estimated_wait_seconds / 60)) + ' min');
    wait = w.join(', ');
  }
  s1.appendChild(kv([
    ['Intent', intent || 'Not detected'],
    ['Sentiment', sentiment],
    ['Trigger', humanize(c.handoff_trigger)],
    ['Priority', humanize(c.priority)],
    ['Queue', c.queue],
    ['Waiting', wait]
  ]));
  body.appendChild(s1);

  if (c.summary) {
    var s2 = section('Summary');
    s2.appendChild(make('p', 'packet-summary', c.summary));
    body.appendChild(s2);
  }

  renderAssist(body, c);

  var collected = c.collected && typeof c.collected === 'object' ? Object.keys(c.collected) : [];
  var s3 = section('Collected by the assistant');
  if (collected.length) {
    s3.appendChild(kv(collected.map(function (k) {
      var v = c.collected[k];
      return [humanize(k), typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)];
    })));
  } else {
    s3.appendChild(make('p', 'packet-empty', 'Nothing collected yet.'));
  }
  body.appendChild(s3);

  var cu = c.customer || {};
  var s4 = section('Customer');
  s4.appendChild(kv([
    ['Name', cu.name],
    ['Email', cu.email],
    ['Tier', cu.tier ? humanize(cu.tier) : null],
    ['Contacts (30 days)', cu.contact_count_30d],
    ['Channel', c.channel ? humanize(c.channel) : null],
    ['Page', c.page_url]
  ]));
  body.appendChild(s4);

  if (Array.isArray(c.tags) && c.tags.length) {
    var s5 = section('Tags');
    var tags = make('div', 'tags');
    c.tags.forEach(function (t) { tags.appendChild(make('span', 'badge', t)); });
    s5.appendChild(tags);
    body.appendChild(s5);
  }

  var recent = Array.isArray(cu.recent_contacts) ? cu.recent_contacts : [];
  var s6 = section('Recent contacts');
  if (recent.length) {
    var ul = make('ul', 'recent');
    recent.forEach(function (r) {
      var li = make('li');
      var what = [humanize(r.intent) || 'Conversation', r.queue, humanize(r.status)].filter(Boolean).join(' \u00B7 ');
      li.appendChild(make('span', null, what));
      li.appendChild(make('span', 'when', formatDate(r.created_at)));
      ul.appendChild(li);
    });
    s6.appendChild(ul);
  } else {
    s6.appendChild(make('p', 'packet-empty', 'No other contacts recently.'));
  }
  body.appendChild(s6);

  var rating = csatByConv.get(String(c.id));
  if (rating) {
    var s7 = section('Satisfaction');
    var line = make('p', 'csat-line', rating.score + ' / 5');
    if (rating.comment) line.appendChild(document.createTextNode(' \u2014 \u201C' + rating.comment + '\u201D'));
    s7.appendChild(line);
    body.appendChild(s7);
  }
}

/* ------------------------------------------------------------- presence */

function setPresence(status) {
  ui.presence.setAttribute('data-status', status);
  ui.presence.setAttribute('aria-pressed', status === 'online' ? 'true' : 'false');
  ui.presenceLabel.textContent = status === 'online' ? 'Online' : status === 'away' ? 'Away' : 'Offline';
}

/* ------------------------------------------------------------- frames */

function handleFrame(f) {
  var c, id;
  if (loadingInbox && f && typeof f.type === 'string' && f.type.indexOf('conversation.') === 0) replayFrames.push(f);
  switch (f && f.type) {
    case 'conversation.queued':
      c = f.conversation;
      if (!c) return;
      id = String(c.id);
      if (c.status === 'queued') upsert('queued', c);
      renderList('queued');
      if (c.status === 'queued') cueOnce('queued', id, 'New chat waiting');
      if (id === openId) applyPacket(c);
      break;
    case 'conversation.assigned':
      c = f.conversation;
      if (!c) return;
      id = String(c.id);
      remove('queued', id);
      upsert('mine', c);
      renderAllLists();
      cueOnce('mine', id, 'Chat assigned to you');
      if (id === openId) applyPacket(c);
      break;
    case 'conversation.updated':
      c = f.conversation;
      if (!c) return;
      id = String(c.id);
      var wasQueued = lists.queued.map.has(id);
      var wasMine = lists.mine.map.has(id);
      placeSummary(c);
      renderAllLists();
      if (!wasQueued && lists.queued.map.has(id)) cueOnce('queued', id, 'New chat waiting');
      if (!wasMine && lists.mine.map.has(id)) cueOnce('mine', id, 'Chat assigned to you');
      applySummaryToOpen(c);
      updateTitle();
      break;
    case 'conversation.unassigned':
      id = String(f.conversation_id);
      remove('mine', id);
      renderAllLists();
      if (id === openId && current) { current.status = f.status || current.status; renderHeader(); renderPacket(); }
      break;
    case 'message':
      onMessageFrame(f);
      break;
    case 'typing':
      if (String(f.conversation_id) === openId && f.sender === 'customer') showTyping();
      break;
    case 'prediction':
      onPrediction(f);
      break;
    case 'alert':
      toast(String(f.text || 'Attention needed'), 'warn');
      break;
    case 'csat':
      csatByConv.set(String(f.conversation_id), { score: f.score, comment: f.comment || '' });
      toast('Customer rated a conversation ' + f.score + '/5', 'ok');
      if (String(f.conversation_id) === openId) renderPacket();
      break;
    case 'presence':
      if (f.status) setPresence(f.status);
      break;
    case 'ok':
      onOk(f);
      break;
    case 'error':
      onError(f);
      break;
    default:
      break;   // unknown frames are ignored on purpose: the server may add more
  }
}

function onMessageFrame(f) {
  var id = String(f.conversation_id);
  var m = f.message;
  if (!m) return;
  if (id === openId) {
    addMessage(m);
    return;
  }
  if (m.sender === 'agent' || m.internal) return;
  var known = lists.queued.map.has(id) || lists.mine.map.has(id) || lists.bot.map.has(id);
  if (!known) return;
  unread.set(id, (unread.get(id) || 0) + 1);
  renderAllLists();
  updateTitle();
}

function onOk(f) {
  var id = String(f.conversation_id || '');
  if (f.client_msg_id) unsent.delete(f.client_msg_id);
  if (f.action === 'watch') {
    if (id === openId && f.conversation) applyPacket(f.conversation);
    return;
  }
  if (f.action === 'accept') {
    ui.accept.disabled = true;
    if (id === openId) { scheduleRefetch(); ui.input.focus(); }
    return;
  }
  if (f.action === 'transfer') toast('Transferred.', 'ok');
  if (f.action === 'resolve') toast('Resolved.', 'ok');
  if (f.action === 'handback') toast('Handed back to the assistant.', 'ok');
  if (id && id === openId && (f.action === 'transfer' || f.action === 'resolve' || f.action === 'handback')) scheduleRefetch();
}

var unsent = new Map();   // client_msg_id -> {id, body, mode}: replies and notes sent, not yet ok
var retry = null;         // the last refused text put back: {id, body, cmid}

var ERROR_TEXT = {
  already_taken: 'Someone else already accepted this conversation.',
  at_capacity: 'You are at your chat limit. Resolve a conversation first.',
  rate_limited: 'Slow down a little: too many actions at once.'
};

function onError(f) {
  toast(ERROR_TEXT[f.code] || f.detail || 'That did not work.', 'error');
  // A refused reply or note is not lost: its text goes back into the composer (after what
  // is there) while its conversation is open, and a note only as a note, never into a reply
  // the customer would see.
  var refused = f.client_msg_id && unsent.get(f.client_msg_id);
  if (refused) {
    unsent.delete(f.client_msg_id);
    if (refused.id === openId && (!ui.input.value || mode === refused.mode)) {
      if (mode !== refused.mode) setMode(refused.mode);
      ui.input.value = ui.input.value ? ui.input.value + '\n' + refused.body : refused.body;
      // Sent again unchanged, it keeps its id: a copy stored after all is not stored twice.
      if (ui.input.value === refused.body) retry = { id: refused.id, body: refused.body, cmid: f.client_msg_id };
    }
  }
  if (f.conversation_id && String(f.conversation_id) === openId) scheduleRefetch();
  if (f.code === 'already_taken' && f.conversation_id) {
    remove('queued', f.conversation_id);
    renderList('queued');
  }
}

/* --------------------------------------------------------- websocket */

var socket = new ReconnectingSocket({
  url: function () { return wsPath; },
  banner: $('connection-banner'),
  onOpen: function () {
    // Frames may have been missed while we were away: rebuild from the source of truth.
    loadInbox().then(function () {
      if (openId) fetchOpen(true);
    });
  },
  onFrame: handleFrame,
  onClose: function (opened) {
    if (opened) return true;
    // Refused at the handshake: loadInbox sends a signed-out session to the login page,
    // and otherwise shows the lists as they are while the socket keeps retrying.
    return loadInbox().then(function () { return true; });
  }
});

/* -------------------------------------------------------------- wiring */

ui.presence.addEventListener('click', function () {
  var next = ui.presence.getAttribute('data-status') === 'online' ? 'away' : 'online';
  if (sendOrWarn({ type: 'presence', status: next })) setPresence(next);
});

ui.accept.addEventListener('click', function () {
  if (!openId) return;
  if (sendOrWarn({ type: 'accept', conversation_id: openId })) ui.accept.disabled = true;
});
ui.resolve.addEventListener('click', function () {
  if (openId) sendOrWarn({ type: 'resolve', conversation_id: openId });
});
ui.handback.addEventListener('click', function () {
  if (openId) sendOrWarn({ type: 'handback', conversation_id: openId });
});
ui.transfer.addEventListener('click', function () {
  if (!openId) return;
  var q = ui.transferSelect.value;
  if (!q) { toast('Pick a queue to transfer to.'); ui.transferSelect.focus(); return; }
  if (sendOrWarn({ type: 'transfer', conversation_id: openId, queue: q })) ui.transferSelect.value = '';
});

ui.replyToggle.addEventListener('click', function () { setMode('reply'); ui.input.focus(); });
ui.noteToggle.addEventListener('click', function () { setMode('note'); ui.input.focus(); });
[ui.replyToggle, ui.noteToggle].forEach(function (b) {
  b.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft' || e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      setMode(mode === 'note' ? 'reply' : 'note');
      (mode === 'note' ? ui.noteToggle : ui.replyToggle).focus();
    }
  });
});

ui.replyForm.addEventListener('submit', function (e) {
  e.preventDefault();
  if (!openId || ui.send.disabled) return;
  var body = ui.input.value.replace(/\s+$/, '');
  if (!body.trim()) return;
  var again = retry && retry.id === openId && retry.body === body;
  var frame = {
    type: mode === 'note' ? 'note' : 'message', conversation_id: openId, body: body,
    client_msg_id: again ? retry.cmid : UI.uuid()
  };
  if (!sendOrWarn(frame)) return;
  retry = null;
  unsent.set(frame.client_msg_id, { id: openId, body: body, mode: mode });
  ui.input.value = '';
  lastTypingSent = 0;
  ui.input.focus();
});

UI.submitOnEnter(ui.input, ui.replyForm);

ui.input.addEventListener('input', function () {
  // Typing in note mode is private: the customer must not see "typing…" for a note.
  if (!openId || mode !== 'reply' || !ui.input.value || !isMine(current)) return;
  var now = Date.now();
  if (now - lastTypingSent >= TYPING_SEND_EVERY_MS && socket.send({ type: 'typing', conversation_id: openId })) lastTypingSent = now;
});

ui.back.addEventListener('click', closeConversation);

ui.packetToggle.addEventListener('click', function () {
  var open = document.body.classList.toggle('packet-open');
  ui.packetToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  if (open) ui.packetClose.focus();
});
ui.packetClose.addEventListener('click', function () {
  document.body.classList.remove('packet-open');
  ui.packetToggle.setAttribute('aria-expanded', 'false');
  ui.packetToggle.focus();
});
document.addEventListener('keydown', function (e) {
  if (e.key === 'Escape' && document.body.classList.contains('packet-open')) ui.packetClose.click();
});

window.addEventListener('focus', function () {
  if (flashTimer) { clearInterval(flashTimer); flashTimer = null; }
  updateTitle();
});

// Wait times tick once a second without re-rendering the lists.
setInterval(function () {
  Array.prototype.forEach.call(document.querySelectorAll('.conv-time[data-since]'), function (el) {
    var iso = el.getAttribute('data-since');
    if (iso) el.textContent = since(iso);
  });
}, 1000);

/* ----------------------------------------------------------------- boot */

setMode('reply');
renderActions();
renderAllLists();
updateTitle();
socket.connect();   // the lists load when it opens (and after every reconnect)
