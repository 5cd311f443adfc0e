/* Messages the customer sent that the server has not stored yet.
 *
 * An outgoing message carries a client_msg_id and stays "sending" until the server echoes it;
 * unsent ones are sent again after a reconnect with the same id (the server dedupes).
 */

import * as UI from '../common.js';
import { Backoff } from '../socket.js';
import { ui, toast, scrollToBottom } from './page.js';
import { conv } from './session.js';
import { socket } from './connection.js';

var make = UI.make;

export var pending = new Map();      // client_msg_id -> element
// Messages leave in the order typed, paced under the socket's limit (10/s, burst 10), so a
// reconnect that flushes a long outbox is not refused and nothing overtakes. Refusals that
// pass (`unavailable`, `rate_limited`) keep the outbox ("Sending…"); it goes again, in order,
// later each time. A client_msg_id is never stored twice, so a repeat is harmless.
export var TRANSIENT = { unavailable: true, rate_limited: true };
var PACE_PER_SECOND = 8;
var paceTokens = PACE_PER_SECOND;
var paceAt = Date.now();
var paceQueue = [];             // outbox items waiting for their turn
var paceTimer = null;
var resend = new Backoff(1000, 30000, 0.3);   // when the outbox goes again after a refusal
var resendTimer = null;

export function renderPending(item) {
  var node = make('div', 'msg is-pending');
  node.setAttribute('data-sender', 'customer');
  node.setAttribute('data-author', '');
  node.setAttribute('data-client-msg-id', item.client_msg_id);
  node.appendChild(make('span', 'visually-hidden', 'You said:'));
  node.appendChild(make('div', 'msg-bubble', item.body));
  node.appendChild(make('span', 'msg-time', 'Sending\u2026'));
  ui.log.appendChild(node);
  pending.set(item.client_msg_id, node);
  UI.regroup(ui.log);
  scrollToBottom();
}

/* The server echoed a message of ours: it is stored, so it leaves the outbox for good. */
export function delivered(clientMsgId) {
  if (clientMsgId && pending.has(clientMsgId)) {
    pending.get(clientMsgId).remove();
    pending.delete(clientMsgId);
    conv.outbox = conv.outbox.filter(function (o) { return o.client_msg_id !== clientMsgId; });
    resend.reset();
  }
}

export function flushOutbox() {
  if (!conv) return;
  conv.outbox.forEach(pacedSend);
}

export function pacedSend(item) {
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

export function resendLater(detail) {
  if (resendTimer) return;   // one try for the whole outbox, in order
  if (resend.fresh) toast((detail || 'Your message could not be sent yet.') + ' Trying again\u2026', 'error');
  resendTimer = setTimeout(function () { resendTimer = null; flushOutbox(); }, resend.next());
}
