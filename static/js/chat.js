/* The hosted customer chat (docs: shared/spec/chat-protocol.md).
 *
 * Rules this file keeps:
 *  - every piece of data reaches the DOM through textContent / createTextNode, never innerHTML;
 *  - messages are keyed by seq: a replay after a reconnect can repeat some, none is shown twice;
 *  - an outgoing message carries a client_msg_id and stays "sending" until the server echoes it;
 *    unsent ones are sent again after a reconnect with the same id (the server dedupes).
 */

import * as UI from './common.js';
import { Backoff, ReconnectingSocket } from './socket.js';

var STORE_KEY = 'helpdesk.chat.v1';
var PROFILE_KEY = 'helpdesk.chat.profile.v1';
var TYPING_SEND_EVERY_MS = 2000;
var TYPING_SHOW_MS = 4000;

var $ = UI.byId;
var make = UI.make;
var getCookie = UI.getCookie;

var root = $('main');
var botName = (root && root.getAttribute('data-bot-name')) || 'Assistant (automated)';

var ui = {
  actions: $('chat-actions'),
  talk: $('talk-to-human'),
  end: $('end-chat'),
  endConfirm: $('end-confirm'),
  endConfirmBtn: $('end-confirm-btn'),
  endCancel: $('end-cancel'),
  statusbar: $('chat-statusbar'),
  status: $('chat-status'),
  statusDot: $('chat-status-dot'),
  prechat: $('prechat'),
  prechatForm: $('prechat-form'),
  prechatName: $('prechat-name'),
  prechatEmail: $('prechat-email'),
  prechatError: $('prechat-error'),
  start: $('chat-start'),
  body: $('chat-body'),
  log: $('messages'),
  typing: $('typing-indicator'),
  csat: $('csat'),
  csatForm: $('csat-form'),
  csatScale: $('csat-scale'),
  csatComment: $('csat-comment'),
  csatSubmit: $('csat-submit'),
  csatThanks: $('csat-thanks'),
  ended: $('chat-ended'),
  endedText: $('chat-ended-text'),
  newChat: $('chat-new'),
  composer: $('composer'),
  input: $('chat-input'),
  send: $('chat-send'),
  toasts: $('toasts')
};

/* ---------------------------------------------------------------- state */

var conv = null;              // {id, token, ws_url, lastSeq, outbox: [{client_msg_id, body}]}
var bySeq = new Map();        // seq -> element
var pending = new Map();      // client_msg_id -> element
// Messages leave in the order typed, paced under the socket's limit (10/s, burst 10), so a
// reconnect that flushes a long outbox is not refused and nothing overtakes. Refusals that
// pass (`unavailable`, `rate_limited`) keep the outbox ("Sending…"); it goes again, in order,
// later each time. A client_msg_id is never stored twice, so a repeat is harmless.
var TRANSIENT = { unavailable: true, rate_limited: true };
var PACE_PER_SECOND = 8;
var paceTokens = PACE_PER_SECOND;
var paceAt = Date.now();
var paceQueue = [];             // outbox items waiting for their turn
var paceTimer = null;
var resend = new Backoff(1000, 30000, 0.3);   // when the outbox goes again after a refusal
var resendTimer = null;
var state = { status: null, queue: null, agent_name: null, position: null, eta: null };
var ended = false;
var csatScore = 0;

var lastTypingSent = 0;
var typingTimer = null;

/* -------------------------------------------------------------- helpers */

function readJSON(key) {
  try { var raw = window.localStorage.getItem(key); return raw ? JSON.parse(raw) : null; }
  catch (e) { return null; }
}
function writeJSON(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, JSON.stringify(value));
  } catch (e) { /* private mode or full: the chat still works, it just won't resume */ }
}
function save() { writeJSON(STORE_KEY, conv); }

function toast(text, kind) { UI.toast(ui.toasts, text, kind); }

function formatTime(iso) {
  if (!iso) return '';
  var d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function minutes(seconds) {
  var m = Math.max(1, Math.round(Number(seconds) / 60));
  return 'about ' + m + ' min';
}

function nearBottom() {
  return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 120;
}
function scrollToBottom() { ui.log.scrollTop = ui.log.scrollHeight; }

/* ------------------------------------------------------------ rendering */

function renderStatus() {
  var s = state.status;
  var text;
  if (s === 'bot') text = 'Automated assistant';
  else if (s === 'queued') {
    text = 'Waiting for ' + (state.queue ? state.queue + ' team' : 'a person');
    var bits = [];
    if (state.position !== null && state.position !== undefined) bits.push('you\u2019re number ' + state.position);
    if (state.eta !== null && state.eta !== undefined) bits.push(minutes(state.eta));
    if (bits.length) text += ' \u2014 ' + bits.join(', ');
  } else if (s === 'assigned') text = 'Chatting with ' + (state.agent_name || 'a person');
  else if (s === 'resolved') text = 'Resolved \u2014 write again within a day to reopen it';
  else if (s === 'abandoned') text = 'Ended';
  else text = 'Connecting\u2026';
  ui.status.textContent = text;
  ui.statusDot.setAttribute('data-status', s || '');
  // Asking again while a person is already on the way does nothing useful.
  ui.talk.disabled = s === 'queued' || s === 'assigned';
  // A resolved chat re-opens when the customer writes again within a day (the server says
  // conversation_closed after that); an abandoned one is over.
  if (s === 'abandoned') setEnded('This conversation has ended.');
}

function applyState(partial) {
  Object.keys(partial).forEach(function (k) {
    if (partial[k] !== undefined) state[k] = partial[k];
  });
  renderStatus();
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
  node.appendChild(make('div', 'msg-bubble', m.body || ''));
  if (m.attachment && /^\/api\/v1\/attachments\/[0-9a-f-]+\/$/.test(String(m.attachment.url)) && conv) {
    var img = make('img', 'msg-photo');
    img.alt = 'Photo: ' + String(m.attachment.name || '');
    img.src = m.attachment.url + '?token=' + encodeURIComponent(conv.token);
    img.loading = 'lazy';
    node.appendChild(img);
  }

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

/* Only the latest message's quick replies are live; older ones are hidden. */
function refreshOptions() {
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

function addMessage(m) {
  if (!m || typeof m.seq !== 'number' || m.internal) return;
  if (m.client_msg_id && pending.has(m.client_msg_id)) {
    pending.get(m.client_msg_id).remove();
    pending.delete(m.client_msg_id);
    conv.outbox = conv.outbox.filter(function (o) { return o.client_msg_id !== m.client_msg_id; });
    resend.reset();
  }
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

function renderPending(item) {
  var node = make('div', 'msg is-pending');
  node.setAttribute('data-sender', 'customer');
  node.setAttribute('data-author', '');
  node.setAttribute('data-client-msg-id', item.client_msg_id);
  node.appendChild(make('span', 'visually-hidden', 'You said:'));
  node.appendChild(make('div', 'msg-bubble', item.body));
  node.appendChild(make('span', 'msg-time', 'Sending\u2026'));
  ui.log.appendChild(node);
  pending.set(item.client_msg_id, node);
  regroup();
  scrollToBottom();
}

function showTyping(sender) {
  var who = sender === 'agent' ? (state.agent_name || 'Support') : botName;
  ui.typing.textContent = who + ' is typing\u2026';
  ui.typing.hidden = false;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
}
function hideTyping() { clearTimeout(typingTimer); ui.typing.hidden = true; }

/* ------------------------------------------------------------- survey */

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

function showCsat() {
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

/* ------------------------------------------------------- lifecycle UI */

function setEnded(text) {
  ended = true;
  ui.endedText.textContent = text || 'This conversation has ended.';
  ui.ended.hidden = false;
  ui.input.disabled = true;
  ui.send.disabled = true;
  ui.input.placeholder = 'This conversation is closed';
  ui.actions.hidden = true;
  ui.endConfirm.hidden = true;
  hideTyping();
  refreshOptions();
}

function showPrechat(notice) {
  ui.body.hidden = true;
  ui.actions.hidden = true;
  ui.statusbar.hidden = true;
  ui.endConfirm.hidden = true;
  ui.prechat.hidden = false;
  var profile = readJSON(PROFILE_KEY) || {};
  if (profile.name && !ui.prechatName.value) ui.prechatName.value = profile.name;
  if (profile.email && !ui.prechatEmail.value) ui.prechatEmail.value = profile.email;
  if (notice) { ui.prechatError.textContent = notice; ui.prechatError.hidden = false; }
  else ui.prechatError.hidden = true;
  ui.start.disabled = false;
  ui.start.textContent = 'Start chat';
}

function showChat() {
  ui.prechat.hidden = true;
  ui.body.hidden = false;
  ui.actions.hidden = false;
  ui.statusbar.hidden = false;
  ui.ended.hidden = true;
  ui.csat.hidden = true;
  ui.input.disabled = false;
  ui.send.disabled = false;
  ui.input.placeholder = 'Type your message\u2026';
  ended = false;
  renderStatus();
}

function resetConversation() {
  socket.close();
  conv = null;
  save();
  bySeq.clear();
  pending.clear();
  ui.log.textContent = '';
  state = { status: null, queue: null, agent_name: null, position: null, eta: null };
  ended = false;
}

/* -------------------------------------------------------------- network */

// Each attempt asks for the messages after the last one shown: the replay fills the gap once.
function socketPath() {
  var path = conv.ws_url;
  if (conv.lastSeq > 0) path += (path.indexOf('?') === -1 ? '?' : '&') + 'after=' + encodeURIComponent(conv.lastSeq);
  return path;
}

var socket = new ReconnectingSocket({
  url: socketPath,
  banner: $('connection-banner'),
  onOpen: function () {
    refreshState();
    flushOutbox();
  },
  onFrame: handleFrame,
  onClose: function (opened) {
    // An ended chat without a survey to send has nothing left to say or hear.
    function wanted() { return !(ended && ui.csat.hidden); }
    if (opened) return wanted();
    // Refused at the handshake: maybe the network, maybe the conversation is gone.
    return refreshState().then(function (gone) { return !gone && wanted(); });
  }
});

/* Resolves true when the stored conversation no longer exists (or is not ours any more). */
function refreshState() {
  if (!conv) return Promise.resolve(false);
  var c = conv;
  var url = '/api/v1/conversations/' + encodeURIComponent(c.id) + '/state/?token=' + encodeURIComponent(c.token);
  return fetch(url, { headers: { 'Accept': 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
    .then(function (res) {
      if (conv !== c) return false;
      if (res.status === 404 || res.status === 403) {
        resetConversation();
        showPrechat('Your previous conversation is no longer available. You can start a new one.');
        return true;
      }
      if (!res.ok) return false;
      return res.json().then(function (s) {
        if (conv !== c) return false;
        applyState({
          status: s.status, queue: s.queue, agent_name: s.agent_name,
          position: s.position, eta: s.estimated_wait_seconds
        });
        if (s.csat_pending) showCsat();
        return false;
      });
    })
    .catch(function () { return false; });
}

function flushOutbox() {
  if (!conv) return;
  conv.outbox.forEach(pacedSend);
}

function pacedSend(item) {
  if (paceQueue.indexOf(item) === -1) paceQueue.push(item);
  pump();
}

function pump() {
  if (paceTimer) return;
  while (paceQueue.length) {
    var now = Date.now();
    paceTokens = Math.min(PACE_PER_SECOND, paceTokens + (now - paceAt) * PACE_PER_SECOND / 1000);
    paceAt = now;
    if (paceTokens < 1) {
      paceTimer = setTimeout(function () { paceTimer = null; pump(); }, 1000 / PACE_PER_SECOND);
      return;
    }
    var item = paceQueue.shift();
    if (!conv || conv.outbox.indexOf(item) === -1) continue;   // stored meanwhile
    if (!socket.send({ type: 'message', body: item.body, client_msg_id: item.client_msg_id })) {
      paceQueue = [];   // not connected: the reconnect flushes the outbox
      return;
    }
    paceTokens -= 1;
  }
}

function resendLater(detail) {
  if (resendTimer) return;   // one try for the whole outbox, in order
  if (resend.fresh) toast((detail || 'Your message could not be sent yet.') + ' Trying again\u2026', 'error');
  resendTimer = setTimeout(function () { resendTimer = null; flushOutbox(); }, resend.next());
}

function sendMessage(body) {
  if (!conv || ended) return;
  var item = { client_msg_id: UI.uuid(), body: body };
  conv.outbox.push(item);
  save();
  renderPending(item);
  pacedSend(item);
  lastTypingSent = 0;
}

function handleFrame(f) {
  switch (f && f.type) {
    case 'message':
      addMessage(f.message);
      break;
    case 'handoff':
      applyState({
        status: f.agent_name ? 'assigned' : 'queued', queue: f.queue, agent_name: f.agent_name,
        position: f.position, eta: f.estimated_wait_seconds
      });
      break;
    case 'queue':
      applyState({ position: f.position, eta: f.estimated_wait_seconds });
      break;
    case 'assigned':
      applyState({ status: 'assigned', agent_name: f.agent_name });
      break;
    case 'status':
      applyState({ status: f.status });
      if (f.status === 'bot') { state.queue = null; state.agent_name = null; renderStatus(); }
      break;
    case 'csat_request':
      showCsat();
      break;
    case 'typing':
      if (f.sender === 'bot' || f.sender === 'agent') showTyping(f.sender);
      break;
    case 'error':
      if (f.code === 'conversation_closed') setEnded(f.detail || 'This conversation has ended.');
      else if (TRANSIENT[f.code] && f.client_msg_id) resendLater(f.detail);
      else toast(f.detail || 'Something went wrong. Please try again.', 'error');
      break;
    default:
      break;   // frames this page does not know yet are ignored on purpose
  }
}

function startConversation(ev) {
  ev.preventDefault();
  var name = ui.prechatName.value.trim();
  var email = ui.prechatEmail.value.trim();
  if (email && ui.prechatEmail.validity && !ui.prechatEmail.validity.valid) {
    ui.prechatError.textContent = 'That email address doesn\u2019t look right. You can also leave it empty.';
    ui.prechatError.hidden = false;
    ui.prechatEmail.setAttribute('aria-invalid', 'true');
    ui.prechatEmail.focus();
    return;
  }
  ui.prechatEmail.removeAttribute('aria-invalid');
  ui.prechatError.hidden = true;
  ui.start.disabled = true;
  ui.start.textContent = 'Starting\u2026';

  var payload = { channel: 'web', page_url: location.href };
  if (name) payload.name = name;
  if (email) payload.email = email;
  writeJSON(PROFILE_KEY, { name: name, email: email });

  var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
  var csrf = getCookie('csrftoken');
  if (csrf) headers['X-CSRFToken'] = csrf;

  fetch('/api/v1/conversations/', {
    method: 'POST', headers: headers, body: JSON.stringify(payload), credentials: 'same-origin'
  }).then(function (res) {
    if (res.status === 429) throw new Error('You\u2019ve started several chats in a short time. Please wait a minute and try again.');
    if (!res.ok) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        throw new Error((data && (data.detail || data.error)) ? String(data.detail || data.error)
          : 'We couldn\u2019t start the chat just now. Please try again.');
      });
    }
    return res.json();
  }).then(function (data) {
    conv = { id: String(data.id), token: String(data.token), ws_url: String(data.ws_url), lastSeq: 0, outbox: [] };
    save();
    state = { status: 'bot', queue: null, agent_name: null, position: null, eta: null };
    showChat();
    socket.connect();
    ui.input.focus();
  }).catch(function (err) {
    var msg = err && err.message && err.message !== 'Failed to fetch' ? err.message
      : 'We couldn\u2019t reach the server. Check your connection and try again.';
    ui.prechatError.textContent = msg;
    ui.prechatError.hidden = false;
    ui.start.disabled = false;
    ui.start.textContent = 'Start chat';
  });
}

/* --------------------------------------------------------------- wiring */

function autosize() {
  ui.input.style.height = 'auto';
  ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 160) + 'px';
}

ui.prechatForm.addEventListener('submit', startConversation);

ui.composer.addEventListener('submit', function (e) {
  e.preventDefault();
  var body = ui.input.value.replace(/^\s*\n/, '').replace(/\s+$/, '');
  if (!body.trim() || ended) return;
  sendMessage(body);
  ui.input.value = '';
  autosize();
  ui.input.focus();
});

UI.submitOnEnter(ui.input, ui.composer);

ui.input.addEventListener('input', function () {
  autosize();
  var now = Date.now();
  if (ui.input.value && now - lastTypingSent >= TYPING_SEND_EVERY_MS) {
    if (socket.send({ type: 'typing' })) lastTypingSent = now;
  }
});

ui.talk.addEventListener('click', function () {
  if (!socket.send({ type: 'request_human' })) {
    toast('Not connected right now. Please try again in a moment.', 'error');
    return;
  }
  ui.talk.disabled = true;
  setTimeout(function () { renderStatus(); }, 4000);   // re-enabled unless a handoff happened
});

ui.end.addEventListener('click', function () {
  ui.endConfirm.hidden = false;
  ui.endCancel.focus();
});
ui.endCancel.addEventListener('click', function () {
  ui.endConfirm.hidden = true;
  ui.end.focus();
});
ui.endConfirmBtn.addEventListener('click', function () {
  ui.endConfirm.hidden = true;
  if (!socket.send({ type: 'close' })) {
    toast('Not connected right now. Please try again in a moment.', 'error');
    return;
  }
  applyState({ status: 'abandoned' });
});
ui.endConfirm.addEventListener('keydown', function (e) {
  if (e.key === 'Escape') { ui.endConfirm.hidden = true; ui.end.focus(); }
});

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

ui.newChat.addEventListener('click', function () {
  resetConversation();
  showPrechat();
  ui.start.focus();
});

/* ----------------------------------------------------------------- boot */

var stored = readJSON(STORE_KEY);
if (stored && stored.id && stored.token && stored.ws_url) {
  conv = {
    id: String(stored.id), token: String(stored.token), ws_url: String(stored.ws_url),
    lastSeq: 0, outbox: Array.isArray(stored.outbox) ? stored.outbox : [], csatDone: !!stored.csatDone
  };
  // The page starts empty, so ask for the whole history again: after = 0.
  showChat();
  conv.outbox.forEach(renderPending);
  socket.connect();
} else {
  showPrechat();
}
/* A photo (e.g. of a damaged item): uploaded over HTTP, it comes back as a message. */
var attach = $('chat-attach');
if (attach) {
  attach.addEventListener('change', function () {
    var file = attach.files && attach.files[0];
    attach.value = '';
    if (!file || !conv) return;
    if (file.size > 5 * 1024 * 1024) { toast('A photo may be at most 5 MB.', 'error'); return; }
    var form = new FormData();
    form.append('file', file);
    fetch('/api/v1/conversations/' + encodeURIComponent(conv.id) + '/attachments/?token=' +
          encodeURIComponent(conv.token), { method: 'POST', body: form })
      .then(function (res) {
        if (res.ok) return;
        return res.json().then(function (body) { toast(body.detail || 'The photo could not be sent.', 'error'); });
      })
      .catch(function () { toast('The photo could not be sent. Check your connection.', 'error'); });
  });
}
