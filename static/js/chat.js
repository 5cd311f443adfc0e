/* The hosted customer chat (docs: shared/spec/chat-protocol.md): the page's entry module.
 *
 * It wires the modules under chat/ to the socket and the page, then resumes the stored
 * conversation or shows the pre-chat form. Rules the modules keep:
 *  - every piece of data reaches the DOM through textContent / createTextNode, never innerHTML;
 *  - messages are keyed by seq: a replay after a reconnect can repeat some, none is shown twice
 *    (chat/transcript.js);
 *  - an outgoing message carries a client_msg_id and stays "sending" until the server echoes it;
 *    unsent ones are sent again after a reconnect with the same id (chat/outbox.js).
 */

import { ui, toast } from './chat/page.js';
import { STORE_KEY, conv, ended, state, readJSON, setConv } from './chat/session.js';
import { socket, handleSocket } from './chat/connection.js';
import { flushOutbox, renderPending } from './chat/outbox.js';
import { wireComposer, wireAttach, sendMessage } from './chat/composer.js';
import { wireSurvey } from './chat/survey.js';
import {
  applyState, refreshState, renderStatus, resetConversation, setEnded, showChat, showPrechat
} from './chat/status.js';
import { handleFrame } from './chat/frames.js';
import { wirePrechat } from './chat/prechat.js';

handleSocket({
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

wirePrechat();
wireComposer();

ui.talk.addEventListener('click', function () {
  if (!socket.send({ type: 'request_human' })) {
    toast('Not connected right now. Please try again in a moment.', 'error');
    return;
  }
  ui.talk.disabled = true;
  setTimeout(function () { renderStatus(); }, 4000);   // re-enabled unless a handoff happened
});

// The callback offer, reachable for as long as the customer waits (not only while the bot's
// offer is the last message): a labelled message the bot answers by asking for an email.
ui.callback.addEventListener('click', function () {
  if (ended) return;
  sendMessage('Request a callback');
  state.callbackAsked = true;
  renderStatus();
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
  // With a person holding it, ending the chat resolves it (docs/protocol.md); with the bot or
  // in a queue it is abandoned. Either way the customer ended it: it is over on this page.
  applyState({ status: state.status === 'assigned' ? 'resolved' : 'abandoned' });
  setEnded('This conversation has ended.');
});
ui.endConfirm.addEventListener('keydown', function (e) {
  if (e.key === 'Escape') { ui.endConfirm.hidden = true; ui.end.focus(); }
});

wireSurvey();

ui.newChat.addEventListener('click', function () {
  resetConversation();
  showPrechat();
  ui.start.focus();
});

/* ----------------------------------------------------------------- boot */

var stored = readJSON(STORE_KEY);
if (stored && stored.id && stored.token && stored.ws_url) {
  setConv({
    id: String(stored.id), token: String(stored.token), ws_url: String(stored.ws_url),
    lastSeq: 0, outbox: Array.isArray(stored.outbox) ? stored.outbox : [], csatDone: !!stored.csatDone
  });
  // The page starts empty, so ask for the whole history again: after = 0.
  showChat();
  conv.outbox.forEach(renderPending);
  socket.connect();
} else {
  showPrechat();
}
wireAttach();
