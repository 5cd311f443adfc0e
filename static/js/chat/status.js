/* Where the conversation stands, and which face the card shows for it: the pre-chat form, the
 * live chat, or the notice that it has ended. */

import { ui, botName, scrollToBottom } from './page.js';
import {
  PROFILE_KEY, conv, ended, state, readJSON, save, setConv, setState, setEndedFlag
} from './session.js';
import { socket } from './connection.js';
import { bySeq, hideTyping, refreshOptions } from './transcript.js';
import { pending } from './outbox.js';
import { showCsat } from './survey.js';

function minutes(seconds) {
  var m = Math.max(1, Math.round(Number(seconds) / 60));
  return 'about ' + m + ' min';
}

export function renderStatus() {
  var s = state.status;
  var text;
  // Nobody online: no wait is promised (it would be a guess nobody keeps); the callback first.
  var nobody = s === 'queued' && state.agents_online === 0;
  if (s === 'bot') text = 'Automated assistant';
  else if (s === 'queued') {
    text = 'Waiting for ' + (state.queue ? state.queue + ' team' : 'a person');
    var bits = [];
    if (nobody) bits.push('nobody is online right now');
    else {
      if (state.position !== null && state.position !== undefined) bits.push('you\u2019re number ' + state.position);
      if (state.eta !== null && state.eta !== undefined) bits.push(minutes(state.eta));
    }
    if (bits.length) text += ' \u2014 ' + bits.join(', ');
  } else if (s === 'assigned') text = 'Chatting with ' + (state.agent_name || 'a person');
  else if (s === 'resolved') text = ended ? 'Ended' : 'Resolved \u2014 write again within a day to reopen it';
  else if (s === 'abandoned') text = 'Ended';
  else text = 'Connecting\u2026';
  ui.status.textContent = text;
  ui.statusDot.setAttribute('data-status', s || '');
  // The callback stays one click away for as long as the customer waits.
  ui.callback.hidden = !(s === 'queued' && !state.callbackAsked);
  ui.callback.classList.toggle('btn-primary', nobody);
  renderWho();
  // Asking again while a person is already on the way does nothing useful.
  ui.talk.disabled = s === 'queued' || s === 'assigned';
  // A resolved chat re-opens when the customer writes again within a day (the server says
  // conversation_closed after that); an abandoned one is over.
  if (s === 'abandoned') setEnded('This conversation has ended.');
}

/* The header names who is talking: the agent (with their initial) once one is assigned, the
 * automated assistant otherwise, again after a hand-back. */
function renderWho() {
  var agent = state.status === 'assigned' && state.agent_name ? String(state.agent_name) : '';
  ui.whoName.textContent = agent || botName;
  ui.whoBadge.textContent = agent ? 'support team' : 'automated';
  ui.whoBadge.className = agent ? 'badge badge-agent' : 'badge badge-bot';
  ui.avatar.setAttribute('data-kind', agent ? 'agent' : 'bot');
  ui.avatarInitial.textContent = agent ? agent.trim().charAt(0).toUpperCase() : '';
}

export function applyState(partial) {
  Object.keys(partial).forEach(function (k) {
    if (partial[k] !== undefined) state[k] = partial[k];
  });
  renderStatus();
}

export function setEnded(text) {
  setEndedFlag(true);
  ui.endedText.textContent = text || 'This conversation has ended.';
  ui.ended.hidden = false;
  ui.input.disabled = true;
  ui.send.disabled = true;
  ui.input.placeholder = 'This conversation is closed';
  ui.actions.hidden = true;
  ui.endConfirm.hidden = true;
  hideTyping();
  refreshOptions();
  // The notice takes room at the foot of the log: the last message stays in view above it.
  setTimeout(scrollToBottom, 0);
}

export function showPrechat(notice) {
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

export function showChat() {
  ui.prechat.hidden = true;
  ui.body.hidden = false;
  ui.actions.hidden = false;
  ui.statusbar.hidden = false;
  ui.ended.hidden = true;
  ui.csat.hidden = true;
  ui.input.disabled = false;
  ui.send.disabled = false;
  ui.input.placeholder = 'Type your message\u2026';
  setEndedFlag(false);
  renderStatus();
}

export function resetConversation() {
  socket.close();
  setConv(null);
  save();
  bySeq.clear();
  pending.clear();
  ui.log.textContent = '';
  setState({ status: null, queue: null, agent_name: null, position: null, eta: null, agents_online: null, callbackAsked: false });
  setEndedFlag(false);
}

/* Resolves true when the stored conversation no longer exists (or is not ours any more). */
export function refreshState() {
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
          position: s.position, eta: s.estimated_wait_seconds, agents_online: s.agents_online
        });
        if (s.csat_pending) showCsat();
        return false;
      });
    })
    .catch(function () { return false; });
}
