/* Keeping the inbox in step with the server: the snapshot (GET /api/v1/inbox/) after every
 * (re)connect, and the websocket frames in between (docs: shared/spec/chat-protocol.md,
 * section 3). */

import { ui, toast, isSupervisor } from './page.js';
import { me, openId, current, unread, setMe } from './state.js';
import { apiGet } from './connection.js';
import { lists, renderList, renderAllLists, upsert, remove, placeSummary } from './lists.js';
import { updateTitle, cueOnce } from './alerts.js';
import { notify } from './notifications.js';
import { setPresence } from './presence.js';
import { fillTransferSelect, transferredText } from './actions.js';
import { addMessage, showTyping, predictionChip } from './transcript.js';
import { unsent, putBack } from './composer.js';
import { csatByConv, renderPacket } from './packet.js';
import {
  applyPacket, applySummaryToOpen, renderHeader, scheduleRefetch
} from './conversation.js';

/* Frames that change the lists while the snapshot is on its way are applied again on top of
   it: the snapshot may have been read before them (e.g. an assignment made as we came online). */
var loadingInbox = false;
var replayFrames = [];

export function loadInbox() {
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
    setMe(data.agent || me);
    if (me && me.presence) setPresence(me.presence);
    var qs = Array.isArray(data.queues) ? data.queues.map(function (q) { return q && q.name; }).filter(Boolean) : [];
    fillTransferSelect(qs);
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

export function handleFrame(f) {
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
      cueOnce('mine', id, 'Chat assigned to you', whoAndWhat(c));
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
      if (!wasMine && lists.mine.map.has(id)) cueOnce('mine', id, 'Chat assigned to you', whoAndWhat(c));
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

/* A notification's words: who, and what they need (the summary, else the queue). */
function whoAndWhat(c) {
  var customer = c.customer || {};
  return [customer.name || customer.email || 'A visitor', c.summary || c.queue || ''].filter(Boolean).join(': ');
}

function notifyReply(id, m) {
  if (m.sender !== 'customer' || m.internal) return;
  var c = lists.mine.map.get(id) || (id === openId ? current : null);
  if (!c) return;   // only conversations the agent holds or has open
  var customer = c.customer || {};
  notify(id, 'New message from ' + (customer.name || customer.email || 'a visitor'),
    m.body || (m.attachment ? 'Sent a photo' : ''));
}

function onMessageFrame(f) {
  var id = String(f.conversation_id);
  var m = f.message;
  if (!m) return;
  if (id === openId) {
    if (addMessage(m)) notifyReply(id, m);
    return;
  }
  if (m.sender === 'agent' || m.internal) return;
  notifyReply(id, m);
  var known = lists.queued.map.has(id) || lists.mine.map.has(id) || lists.bot.map.has(id);
  if (!known) return;
  unread.set(id, (unread.get(id) || 0) + 1);
  renderAllLists();
  updateTitle();
}

function onPrediction(f) {
  if (String(f.conversation_id) !== openId || !f.prediction) return;
  // The latest reading is the conversation's sentiment (the list hears only label changes),
  // and the packet's emotions and frustration; intent and trigger stay as handed over.
  applySummaryToOpen({
    id: f.conversation_id, sentiment: f.prediction.sentiment, sentiment_score: f.prediction.sentiment_score,
    emotions: f.prediction.emotions || {}, frustration: f.prediction.frustration
  });
  var node = ui.transcript.querySelector('.msg[data-id="' + String(f.message_id).replace(/[^0-9]/g, '') + '"]');
  if (!node || node.querySelector('.msg-prediction')) return;
  node.insertBefore(predictionChip(f.prediction), node.querySelector('.msg-time'));
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
  if (f.action === 'transfer') {
    toast(transferredText(id), 'ok');
    // Transferred to a queue the agent is not in, the conversation is no longer theirs to see:
    // the refetch then closes it quietly instead of reporting a failure after the success.
    if (id && id === openId) scheduleRefetch(true);
    return;
  }
  if (f.action === 'resolve') toast('Resolved.', 'ok');
  if (f.action === 'handback') toast('Handed back to the assistant.', 'ok');
  if (id && id === openId && (f.action === 'resolve' || f.action === 'handback')) scheduleRefetch();
}

var ERROR_TEXT = {
  already_taken: 'Someone else already accepted this conversation.',
  at_capacity: 'You are at your chat limit. Resolve a conversation first.',
  rate_limited: 'Slow down a little: too many actions at once.'
};

function onError(f) {
  toast(ERROR_TEXT[f.code] || f.detail || 'That did not work.', 'error');
  putBack(f);
  if (f.conversation_id && String(f.conversation_id) === openId) scheduleRefetch();
  if (f.code === 'already_taken' && f.conversation_id) {
    remove('queued', f.conversation_id);
    renderList('queued');
  }
}
