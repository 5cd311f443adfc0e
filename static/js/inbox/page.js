/* The inbox page's elements and settings, looked up once: every module of the page works on
 * the same nodes. */

import * as UI from '../common.js';

var $ = UI.byId;

var app = $('app');
export var wsPath = app.getAttribute('data-ws-path') || '/ws/agent/';
export var isSupervisor = app.getAttribute('data-supervisor') === '1';

export var ui = {
  presence: $('presence-toggle'),
  presenceLabel: $('presence-label'),
  queuedList: $('queued-list'), queuedCount: $('queued-count'), queuedEmpty: $('queued-empty'),
  mineList: $('mine-list'), mineCount: $('mine-count'), mineEmpty: $('mine-empty'),
  botList: $('bot-list'), botCount: $('bot-count'), botEmpty: $('bot-empty'),
  empty: $('empty-state'),
  view: $('conv-view'),
  back: $('back-btn'),
  title: $('conv-title'),
  subtitle: $('conv-subtitle'),
  accept: $('accept-btn'),
  transferSelect: $('transfer-select'),
  transfer: $('transfer-btn'),
  handback: $('handback-btn'),
  resolve: $('resolve-btn'),
  transcript: $('transcript'),
  typing: $('typing-indicator'),
  replyForm: $('reply-form'),
  replyToggle: $('reply-toggle'),
  noteToggle: $('note-toggle'),
  replyHint: $('reply-hint'),
  replyLabel: $('reply-label'),
  input: $('reply-input'),
  send: $('reply-send'),
  packet: $('packet'),
  packetBody: $('packet-body'),
  packetToggle: $('packet-toggle'),
  packetClose: $('packet-close'),
  toasts: $('toasts')
};

export function toast(text, kind) { UI.toast(ui.toasts, text, kind); }
