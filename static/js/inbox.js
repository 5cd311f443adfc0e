/* The agent inbox (docs: shared/spec/chat-protocol.md, section 3): the page's entry module.
 *
 * It wires the modules under inbox/ to the socket and the page. Rules the modules keep:
 *  - every piece of data reaches the DOM through textContent / createTextNode, never innerHTML;
 *  - the lists are rebuilt from GET /api/v1/inbox/ after every (re)connect, then kept live by
 *    websocket frames, so a dropped socket never leaves a stale list behind (inbox/sync.js);
 *  - transcript messages are keyed by message id, so a packet and a live frame carrying the same
 *    message show it once (inbox/transcript.js).
 */

import { ui } from './inbox/page.js';
import { openId } from './inbox/state.js';
import { socket, handleSocket } from './inbox/connection.js';
import { onPick, renderAllLists, tickWaitTimes } from './inbox/lists.js';
import { updateTitle, wireAudioUnlock, wireTitle } from './inbox/alerts.js';
import { wirePresence } from './inbox/presence.js';
import { renderActions, wireActions } from './inbox/actions.js';
import { setMode, wireComposer } from './inbox/composer.js';
import { wirePacket } from './inbox/packet.js';
import { openConversation, closeConversation, fetchOpen } from './inbox/conversation.js';
import { loadInbox, handleFrame } from './inbox/sync.js';
import { wireNotifications } from './inbox/notifications.js';
import { wireShortcuts } from './inbox/shortcuts.js';

wireAudioUnlock();

handleSocket({
  onOpen: function () {
    // Frames may have been missed while we were away: rebuild from the source of truth.
    loadInbox().then(function () {
      if (openId) fetchOpen(true);
    });
  },
  onFrame: handleFrame,
  onClose: function (opened) {
    if (opened) return true;
    // Refused at the handshake: loadInbox sends a signed-out session to the login page,
    // and otherwise shows the lists as they are while the socket keeps retrying.
    return loadInbox().then(function () { return true; });
  }
});

onPick(openConversation);

wirePresence();
wireActions();
wireComposer();
ui.back.addEventListener('click', closeConversation);
wirePacket();
wireTitle();
wireNotifications(openConversation);
wireShortcuts(openConversation);
tickWaitTimes();

/* A link from another page opens one conversation: /inbox/#conversation=<id> (the live desk's
 * conversations at risk) or the permanent /inbox/c/<id>/ (the conversations view, a reload).
 * Anything but a UUID there is ignored. */
function openLinked() {
  var path = /^\/inbox\/c\/([^/]+)\/$/.exec(window.location.pathname);
  var wanted = new URLSearchParams(window.location.hash.slice(1)).get('conversation') || (path && path[1]);
  if (wanted && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(wanted) && wanted !== openId) {
    openConversation(wanted);
  }
}
window.addEventListener('hashchange', openLinked);

/* ----------------------------------------------------------------- boot */

setMode('reply');
renderActions();
renderAllLists();
updateTitle();
openLinked();       // its packet over REST now; the socket watches it once open (onOpen above)
socket.connect();   // the lists load when it opens (and after every reconnect)
