/* How the inbox talks to the server: its one websocket and its REST reads. The socket is
 * created here, before the modules that react to it, so that every module can send on it
 * without importing the page's entry; inbox.js hands it its handlers before the first connect. */

import { byId, getCookie } from '../common.js';
import { ReconnectingSocket } from '../socket.js';
import { wsPath, toast } from './page.js';

var handlers = {};

export var socket = new ReconnectingSocket({
  url: function () { return wsPath; },
  banner: byId('connection-banner'),
  onOpen: function () { handlers.onOpen(); },
  onFrame: function (frame) { handlers.onFrame(frame); },
  onClose: function (opened) { return handlers.onClose(opened); }
});

export function handleSocket(given) { Object.assign(handlers, given); }

export function apiGet(url) {
  return fetch(url, {
    credentials: 'same-origin', cache: 'no-store',
    headers: { 'Accept': 'application/json', 'X-CSRFToken': getCookie('csrftoken') || '' }
  });
}

export function sendOrWarn(frame) {
  if (socket.send(frame)) return true;
  toast('Not connected. Reconnecting\u2026 try again in a moment.', 'error');
  return false;
}
