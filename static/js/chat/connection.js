/* The chat's one websocket. It is created here, before the modules that react to it, so that
 * every module can send on it without importing the page's entry; chat.js hands it its
 * handlers (onOpen, onFrame, onClose) before the first connect. */

import { byId } from '../common.js';
import { ReconnectingSocket } from '../socket.js';
import { conv } from './session.js';

var handlers = {};

// Each attempt asks for the messages after the last one shown: the replay fills the gap once.
function socketPath() {
  var path = conv.ws_url;
  if (conv.lastSeq > 0) path += (path.indexOf('?') === -1 ? '?' : '&') + 'after=' + encodeURIComponent(conv.lastSeq);
  return path;
}

export var socket = new ReconnectingSocket({
  url: socketPath,
  banner: byId('connection-banner'),
  onOpen: function () { handlers.onOpen(); },
  onFrame: function (frame) { handlers.onFrame(frame); },
  onClose: function (opened) { return handlers.onClose(opened); }
});

export function handleSocket(given) { Object.assign(handlers, given); }
