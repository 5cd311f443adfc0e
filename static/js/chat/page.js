/* The chat page's elements, looked up once: every module of the page works on the same nodes. */

import * as UI from '../common.js';

var $ = UI.byId;

var root = $('main');
export var botName = (root && root.getAttribute('data-bot-name')) || 'Assistant (automated)';

export var ui = {
  actions: $('chat-actions'),
  talk: $('talk-to-human'),
  end: $('end-chat'),
  endConfirm: $('end-confirm'),
  endConfirmBtn: $('end-confirm-btn'),
  endCancel: $('end-cancel'),
  statusbar: $('chat-statusbar'),
  callback: $('chat-callback'),
  avatar: $('chat-avatar'),
  avatarInitial: $('chat-avatar-initial'),
  whoName: $('chat-who-name'),
  whoBadge: $('chat-who-badge'),
  status: $('chat-status'),
  statusDot: $('chat-status-dot'),
  prechat: $('prechat'),
  prechatForm: $('prechat-form'),
  prechatName: $('prechat-name'),
  prechatEmail: $('prechat-email'),
  prechatError: $('prechat-error'),
  start: $('chat-start'),
  body: $('chat-body'),
  log: $('messages'),
  typing: $('typing-indicator'),
  csat: $('csat'),
  csatForm: $('csat-form'),
  csatScale: $('csat-scale'),
  csatComment: $('csat-comment'),
  csatSubmit: $('csat-submit'),
  csatThanks: $('csat-thanks'),
  ended: $('chat-ended'),
  endedText: $('chat-ended-text'),
  newChat: $('chat-new'),
  composer: $('composer'),
  input: $('chat-input'),
  send: $('chat-send'),
  toasts: $('toasts')
};

export function toast(text, kind) { UI.toast(ui.toasts, text, kind); }

/* `slack`: how far above the end still counts as "at the end" (a photo that just loaded adds
 * its own height). */
export function nearBottom(slack) {
  return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 120 + (slack || 0);
}
export function scrollToBottom() { ui.log.scrollTop = ui.log.scrollHeight; }
