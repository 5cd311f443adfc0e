/* Keyboard shortcuts for agents who live in the inbox (README.md, "Keyboard shortcuts"):
 *
 *   j / Alt+Down  next conversation        k / Alt+Up  previous conversation
 *   r  reply        n  internal note on/off     a  accept     e  resolve (then Enter)     t  transfer
 *   ?  this list, in a dialog (Esc closes it and focus goes back where it was)
 *
 * Letters never fire while the agent types in a field (the reply box, the transfer choice, a
 * select): there Esc leaves the field, so the next letter is a shortcut again.
 */

import { byId } from '../common.js';
import { ui } from './page.js';
import { openId, current } from './state.js';
import { setMode } from './composer.js';

var dialog = byId('shortcuts-dialog');
var opener = byId('shortcuts-open');
var closer = byId('shortcuts-close');
var returnFocus = null;
var open = null;            // opens a conversation: inbox.js passes it in (see lists.onPick)

var TEXT_INPUTS = /^(text|search|email|url|tel|password|number|date|time|datetime-local|month|week)$/;

function isField(el) {
  if (!el || el === document.body) return false;
  if (el.isContentEditable) return true;
  var tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && TEXT_INPUTS.test(el.type || 'text');
}

/* The conversations in the order the sidebar shows them: Waiting, Mine, With bot. */
function items() {
  return Array.prototype.slice.call(document.querySelectorAll('.sidebar .conv-item[data-conversation-id]'));
}

function step(by) {
  var all = items();
  if (!all.length) return;
  var at = all.findIndex(function (li) { return li.getAttribute('data-conversation-id') === openId; });
  var next = at === -1 ? (by > 0 ? 0 : all.length - 1) : at + by;
  if (next < 0 || next >= all.length) return;
  var li = all[next];
  open(li.getAttribute('data-conversation-id'));
  // Focus follows, so a screen reader names the conversation; not where the list is hidden
  // (a narrow screen shows the conversation alone).
  var button = li.querySelector('.conv-open');
  if (button && button.offsetParent !== null) button.focus();
}

function usable(button) { return !!(openId && current && button && !button.hidden && !button.disabled); }

function showHelp() {
  if (dialog.open) return;
  returnFocus = document.activeElement;
  dialog.showModal();
  closer.focus();
}

var ACTIONS = {
  j: function () { step(1); return true; },
  k: function () { step(-1); return true; },
  r: function () {
    if (!openId) return false;
    setMode('reply');
    ui.input.focus();
    return true;
  },
  n: function () {
    if (!openId) return false;
    setMode(ui.noteToggle.getAttribute('aria-checked') === 'true' ? 'reply' : 'note');
    ui.input.focus();
    return true;
  },
  a: function () { if (!usable(ui.accept)) return false; ui.accept.click(); return true; },
  // Resolving ends the customer's chat: e only takes the agent to the button, Enter resolves.
  e: function () { if (!usable(ui.resolve)) return false; ui.resolve.focus(); return true; },
  t: function () { if (!usable(ui.transferSelect)) return false; ui.transferSelect.focus(); return true; },
  '?': function () { showHelp(); return true; }
};

function onKey(e) {
  if (e.defaultPrevented || e.isComposing || dialog.open) return;   // the dialog handles its own Esc
  if (isField(e.target)) {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  if (e.ctrlKey || e.metaKey) return;
  var action = null;
  if (e.altKey) {
    if (e.key === 'ArrowDown') action = ACTIONS.j;
    else if (e.key === 'ArrowUp') action = ACTIONS.k;
  } else if (Object.prototype.hasOwnProperty.call(ACTIONS, e.key)) {
    action = ACTIONS[e.key];
  }
  // Handled keys go no further: 'r' must not also type an r into the box it just focused.
  if (action && action()) e.preventDefault();
}

export function wireShortcuts(openConversation) {
  open = openConversation;
  document.addEventListener('keydown', onKey);
  opener.addEventListener('click', showHelp);
  closer.addEventListener('click', function () { dialog.close(); });
  // Esc (the dialog's cancel) and the close button both end here: focus goes back.
  dialog.addEventListener('close', function () {
    var back = returnFocus && document.contains(returnFocus) && returnFocus !== document.body ? returnFocus : opener;
    returnFocus = null;
    back.focus();
  });
}
