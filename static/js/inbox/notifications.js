/* Desktop notifications: a new assignment or a customer's reply reaches an agent whose inbox
 * tab is hidden (another tab, another window on top, minimised).
 *
 * The browser is asked only when the agent presses "Turn on notifications", never on load (a
 * prompt nobody asked for is what gets a site's notifications blocked for good), and the
 * answer is kept in localStorage: a reload neither asks again nor forgets "off". Nothing is
 * raised while the tab is visible (the chime and the title do that job), nor for what the
 * agent did themselves (their own accept, their own replies).
 */

import { byId } from '../common.js';

var STORE_KEY = 'helpdesk.inbox.notifications';   // 'on' | 'off'
var OWN_ACTION_MS = 10000;

var button = byId('notify-toggle');
var label = byId('notify-label');
var ownUntil = new Map();       // conversation id -> until when its assignment is the agent's own doing
var open = null;                // opens a conversation: inbox.js passes it in (see lists.onPick)

function supported() { return typeof window.Notification === 'function'; }

function stored() {
  try { return window.localStorage.getItem(STORE_KEY); } catch (e) { return null; }
}

function store(value) {
  try { window.localStorage.setItem(STORE_KEY, value); } catch (e) { /* private mode: this page only */ }
}

function permission() { return supported() ? window.Notification.permission : 'denied'; }

export function notificationsOn() { return stored() === 'on' && permission() === 'granted'; }

function render() {
  if (!button) return;
  button.hidden = !supported();
  var blocked = permission() === 'denied';
  var on = notificationsOn();
  button.disabled = blocked;
  button.setAttribute('aria-pressed', on ? 'true' : 'false');
  label.textContent = blocked ? 'Notifications blocked' : on ? 'Notifications on' : 'Turn on notifications';
  button.title = blocked ? 'Notifications are blocked for this site in the browser\u2019s settings'
    : on ? 'Press to stop desktop notifications' : 'Desktop notifications for new chats and replies while this tab is hidden';
}

function toggle() {
  if (notificationsOn()) { store('off'); render(); return; }
  if (permission() === 'granted') { store('on'); render(); return; }
  var asked = window.Notification.requestPermission();
  Promise.resolve(asked).then(function (answer) {
    store(answer === 'granted' ? 'on' : 'off');
    render();
  });
}

export function wireNotifications(openConversation) {
  open = openConversation;
  render();
  if (button && supported()) button.addEventListener('click', toggle);
}

/* The agent's own action is about to make the server announce this conversation (accepting a
 * waiting chat comes back as conversation.assigned): that announcement is not news to them. */
export function expectOwn(id) { ownUntil.set(String(id), Date.now() + OWN_ACTION_MS); }

function isOwn(id) {
  var until = ownUntil.get(String(id));
  if (!until) return false;
  if (Date.now() > until) { ownUntil.delete(String(id)); return false; }
  return true;
}

/* Raise one notification (title and body are plain text; the tag keeps one per conversation
 * on screen). Clicking it brings the inbox forward with that conversation open. */
export function notify(id, title, body) {
  id = String(id);
  if (document.visibilityState !== 'hidden' || !notificationsOn() || isOwn(id)) return null;
  var n;
  try {
    n = new window.Notification(title, { body: String(body || '').slice(0, 160), tag: 'conversation-' + id });
  } catch (e) {
    return null;   // e.g. Android Chrome only notifies through a service worker
  }
  n.onclick = function () {
    window.focus();
    if (open) open(id);
    if (typeof n.close === 'function') n.close();
  };
  return n;
}
