/* The open conversation's action bar: accept, transfer, hand back to the bot, resolve. */

import { ui, toast } from './page.js';
import { FINAL, openId, current, isMine } from './state.js';
import { sendOrWarn } from './connection.js';
import { renderComposer } from './composer.js';
import { expectOwn } from './notifications.js';

var queueNames = [];
var transferredTo = new Map();   // conversation id -> the queue it is being transferred to

/* Which actions the conversation's status allows; the reply box follows the same rules. */
export function renderActions() {
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

/* A snapshot without queues keeps the ones known so far, and a queue already picked stays
 * picked: a reconnect does not undo what the agent was about to do. */
export function fillTransferSelect(names) {
  if (names.length) queueNames = names;
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

export function wireActions() {
  ui.accept.addEventListener('click', function () {
    if (!openId) return;
    if (sendOrWarn({ type: 'accept', conversation_id: openId })) { ui.accept.disabled = true; expectOwn(openId); }
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
    if (sendOrWarn({ type: 'transfer', conversation_id: openId, queue: q })) {
      transferredTo.set(openId, q);
      ui.transferSelect.value = '';
    }
  });
}

/* The one message a transfer the server accepted shows. */
export function transferredText(id) {
  var q = transferredTo.get(String(id));
  transferredTo.delete(String(id));
  return q ? 'Transferred to ' + q + '.' : 'Transferred.';
}
