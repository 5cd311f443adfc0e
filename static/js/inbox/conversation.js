/* Opening, loading and closing a conversation, and its header.
 *
 * The open conversation is watched over the socket while it is open; its packet comes over
 * REST (GET /api/v1/agent/conversations/<id>/) and is merged with what frames add later.
 */

import * as UI from '../common.js';
import { ui, toast } from './page.js';
import { openId, current, unread, setOpenId, setCurrent } from './state.js';
import { humanize } from './format.js';
import { socket, apiGet } from './connection.js';
import { remove, renderAllLists } from './lists.js';
import { updateTitle } from './alerts.js';
import { addMessage, clearTranscript, hideTyping } from './transcript.js';
import { setMode, prefillOpening } from './composer.js';
import { renderActions } from './actions.js';
import { renderPacket } from './packet.js';

var make = UI.make;

var refetchTimer = null;

export function openConversation(id) {
  id = String(id);
  if (openId && openId !== id) socket.send({ type: 'unwatch', conversation_id: openId });
  var switching = openId !== id;
  setOpenId(id);
  // The address bar names the open conversation: a reload, or the link copied, opens it again.
  if (window.location.pathname !== '/inbox/c/' + id + '/' || window.location.hash) {
    history.replaceState(null, '', '/inbox/c/' + encodeURIComponent(id) + '/');
  }
  if (switching) {
    setCurrent(null);
    clearTranscript();
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

/* `handedAway`: the agent has just transferred it, so losing sight of it is what they asked
 * for (a queue they are not in), not a failure to report. */
export function fetchOpen(watch, handedAway) {
  var id = openId;
  if (!id) return Promise.resolve();
  return apiGet('/api/v1/agent/conversations/' + encodeURIComponent(id) + '/').then(function (res) {
    if (openId !== id) return null;
    if (res.status === 404 || res.status === 403) {
      if (!handedAway) toast('That conversation is not available to you any more.', 'error');
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

export function scheduleRefetch(handedAway) {
  clearTimeout(refetchTimer);
  refetchTimer = setTimeout(function () { fetchOpen(false, handedAway); }, 250);
}

export function closeConversation() {
  if (openId) socket.send({ type: 'unwatch', conversation_id: openId });
  setOpenId(null);
  setCurrent(null);
  if (window.location.pathname !== '/inbox/') history.replaceState(null, '', '/inbox/');
  clearTranscript();
  ui.view.hidden = true;
  ui.empty.hidden = false;
  document.body.classList.remove('view-conv', 'packet-open');
  document.body.classList.add('view-list');
  renderPacket();
  renderAllLists();
}

/* Merge a full packet C (from REST, the watch answer or conversation.assigned). */
export function applyPacket(c) {
  if (!c || String(c.id) !== openId) return;
  var prev = current || {};
  var el = ui.transcript;
  var stick = !prev.id || el.scrollHeight - el.scrollTop - el.clientHeight < 140;
  setCurrent(Object.assign({}, prev, c, { customer: Object.assign({}, prev.customer || {}, c.customer || {}) }));
  delete current.transcript;
  (c.transcript || []).forEach(addMessage);
  renderHeader();
  renderPacket();
  prefillOpening(c);
  // The header and action bar can change height after the messages went in: scroll last.
  if (stick) el.scrollTop = el.scrollHeight;
}

/* Merge a summary S (conversation.updated) into the open conversation. */
export function applySummaryToOpen(s) {
  if (!current || String(s.id) !== openId) return;
  setCurrent(Object.assign({}, current, s, { customer: Object.assign({}, current.customer || {}, s.customer || {}) }));
  renderHeader();
  renderPacket();
}

export function renderHeader() {
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
