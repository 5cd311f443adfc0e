/* Small helpers shared by the chat page and the inbox. Data reaches the DOM as text only. */

export function byId(id) { return document.getElementById(id); }

export function make(tag, className, text) {
  var node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/* `text` into `node` with each http(s) address as a link (a new tab, no opener, no referrer):
 * text nodes and anchors only, never markup; anything that is not http(s) stays text. A
 * sentence's closing punctuation is not part of the address. */
var URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/gi;
export function linkified(node, text) {
  text = String(text);
  var at = 0;
  text.replace(URL_IN_TEXT, function (found, offset) {
    var url = found.replace(/[.,;:!?)\]]+$/, '');
    if (offset > at) node.appendChild(document.createTextNode(text.slice(at, offset)));
    var a = make('a', 'msg-link', url);
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
    node.appendChild(a);
    at = offset + url.length;
    return found;
  });
  if (at < text.length) node.appendChild(document.createTextNode(text.slice(at)));
  return node;
}

export function getCookie(name) {
  var parts = document.cookie ? document.cookie.split(';') : [];
  for (var i = 0; i < parts.length; i++) {
    var kv = parts[i].trim();
    if (kv.indexOf(name + '=') === 0) return decodeURIComponent(kv.slice(name.length + 1));
  }
  return null;
}

export function toast(container, text, kind) {
  var t = make('div', 'toast' + (kind ? ' toast--' + kind : ''), text);
  container.appendChild(t);
  setTimeout(function () { t.remove(); }, 6000);
}

/* Consecutive messages from one author read as one group: the name is shown once. */
export function regroup(container) {
  var prev = null;
  Array.prototype.forEach.call(container.children, function (node) {
    var same = prev && node.getAttribute('data-sender') !== 'system' &&
      prev.getAttribute('data-sender') === node.getAttribute('data-sender') &&
      prev.getAttribute('data-author') === node.getAttribute('data-author');
    node.classList.toggle('is-grouped', !!same);
    prev = node;
  });
}

/* Enter submits the form, Shift+Enter adds a line; an IME composition is never cut short. */
export function submitOnEnter(textarea, form) {
  textarea.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      if (typeof form.requestSubmit === 'function') form.requestSubmit();
      else form.dispatchEvent(new Event('submit', { cancelable: true }));
    }
  });
}

/* A client_msg_id: random UUIDs, also where crypto.randomUUID is missing (plain http). */
export function uuid() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
  var b = new Uint8Array(16);
  if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(b);
  else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}
