/* The pre-chat form: both fields are optional, so the start button works with them empty. */

import { getCookie } from '../common.js';
import { ui } from './page.js';
import { PROFILE_KEY, writeJSON, save, setConv, setState } from './session.js';
import { socket } from './connection.js';
import { showChat } from './status.js';

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
    setConv({ id: String(data.id), token: String(data.token), ws_url: String(data.ws_url), lastSeq: 0, outbox: [] });
    save();
    setState({ status: 'bot', queue: null, agent_name: null, position: null, eta: null });
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

export function wirePrechat() {
  ui.prechatForm.addEventListener('submit', startConversation);
  // The page renders the button disabled: pressed before this module runs (a slow network,
  // a busy phone), the form would submit natively and the page reload with nothing started.
  ui.start.disabled = false;
}
