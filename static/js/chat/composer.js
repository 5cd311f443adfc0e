/* What the customer writes: the message box, the typing signal and photos. */

import * as UI from '../common.js';
import { ui, toast } from './page.js';
import { conv, ended, save } from './session.js';
import { socket } from './connection.js';
import { renderPending, pacedSend } from './outbox.js';

var TYPING_SEND_EVERY_MS = 2000;

var lastTypingSent = 0;

export function sendMessage(body) {
  if (!conv || ended) return;
  var item = { client_msg_id: UI.uuid(), body: body };
  conv.outbox.push(item);
  save();
  renderPending(item);
  pacedSend(item);
  lastTypingSent = 0;
}

function autosize() {
  ui.input.style.height = 'auto';
  ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 160) + 'px';
}

export function wireComposer() {
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
}

/* A photo (e.g. of a damaged item): uploaded over HTTP, it comes back as a message. */
export function wireAttach() {
  var attach = UI.byId('chat-attach');
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
}
