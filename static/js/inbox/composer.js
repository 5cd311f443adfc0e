/* The reply box: a reply the customer sees, or an internal note only agents see. */

import * as UI from '../common.js';
import { ui } from './page.js';
import { FINAL, openId, current, isMine } from './state.js';
import { socket, sendOrWarn } from './connection.js';

var TYPING_SEND_EVERY_MS = 2000;

var mode = 'reply';              // 'reply' | 'note'
var lastTypingSent = 0;

export var unsent = new Map();   // client_msg_id -> {id, body, mode}: replies and notes sent, not yet ok
var retry = null;                // the last refused text put back: {id, body, cmid}

export function renderComposer(mine, final) {
  if (mine === undefined) { mine = isMine(current); final = !!(current && FINAL[current.status]); }
  if (mode === 'note') {
    ui.send.disabled = !current;
    ui.replyHint.textContent = 'Only agents see internal notes.';
  } else {
    ui.send.disabled = !mine;
    ui.replyHint.textContent = mine ? '' : final ? 'This conversation is closed.'
      : 'Accept the conversation to reply, or add an internal note.';
  }
  // Read-only: a closed conversation, or one another agent holds, takes no reply from me; an
  // internal note stays possible (the server keeps notes for the record).
  var held = !!(current && current.status === 'assigned' && !mine);
  var readOnly = mode === 'reply' && (final || held);
  ui.input.disabled = readOnly;
  ui.replyForm.classList.toggle('is-read-only', readOnly);
  if (readOnly) {
    ui.replyHint.textContent = final
      ? 'Read only: this conversation is ' + current.status + '. You can still add an internal note.'
      : 'Read only: ' + (current.agent_name || 'another agent') + ' holds this conversation. You can add an internal note.';
  }
}

export function setMode(next) {
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

/* The first reply of a conversation I hold starts from the suggested opening. */
var prefilledFor = null;
export function prefillOpening(c) {
  if (!c.suggested_opening || prefilledFor === String(c.id) || !isMine(current) || ui.input.value) return;
  var answered = (c.transcript || []).some(function (m) { return m.sender === 'agent' && !m.internal; });
  if (answered) return;
  prefilledFor = String(c.id);
  if (mode !== 'reply') setMode('reply');
  ui.input.value = c.suggested_opening;
  renderComposer();
}

/* Agent assist's suggestions go after what the agent has typed so far, and always into a reply:
 * they are written for the customer. */
export function insertReply(text) {
  if (mode !== 'reply') setMode('reply');
  var v = ui.input.value;
  ui.input.value = v ? v.replace(/\s+$/, '') + '\n' + text : text;
  ui.input.focus();
  renderComposer();
}

/* A refused reply or note is not lost: its text goes back into the composer (after what
 * is there) while its conversation is open, and a note only as a note, never into a reply
 * the customer would see. */
export function putBack(f) {
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
}

export function wireComposer() {
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
}
