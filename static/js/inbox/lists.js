/* The live lists: Waiting, Mine and (for supervisors) With bot.
 *
 * They are rebuilt from GET /api/v1/inbox/ after every (re)connect, then kept live by
 * websocket frames (inbox/sync.js), so a dropped socket never leaves a stale list behind.
 */

import * as UI from '../common.js';
import { ui, isSupervisor } from './page.js';
import { me, unread, openId, isMine } from './state.js';
import { since, humanize } from './format.js';

var PRIORITY_RANK = { urgent: 3, high: 2, normal: 1, low: 0 };

var make = UI.make;

export var lists = {
  queued: { map: new Map(), el: ui.queuedList, count: ui.queuedCount, empty: ui.queuedEmpty, ticking: true },
  mine: { map: new Map(), el: ui.mineList, count: ui.mineCount, empty: ui.mineEmpty, ticking: false },
  bot: { map: new Map(), el: ui.botList, count: ui.botCount, empty: ui.botEmpty, ticking: false }
};

// Opening a conversation is inbox/conversation.js's business, which itself redraws these
// lists: inbox.js passes it in rather than the two modules importing each other.
var pick = null;
export function onPick(open) { pick = open; }

function sortKey(listName) {
  if (listName === 'queued') {
    return function (a, b) {
      var pa = PRIORITY_RANK[a.priority] || 0, pb = PRIORITY_RANK[b.priority] || 0;
      if (pa !== pb) return pb - pa;
      return String(a.queued_at || a.created_at || '').localeCompare(String(b.queued_at || b.created_at || ''));
    };
  }
  return function (a, b) {
    var ka = String(a.assigned_at || a.created_at || ''), kb = String(b.assigned_at || b.created_at || '');
    return kb.localeCompare(ka);
  };
}

function fillItem(li, c, listName) {
  var btn = li.firstChild;
  btn.textContent = '';
  var customer = c.customer || {};
  var name = customer.name || customer.email || 'Visitor';

  var row1 = make('span', 'conv-row');
  row1.appendChild(make('span', 'conv-name', name));
  if (customer.tier && customer.tier !== 'standard' && customer.tier !== 'regular') {
    row1.appendChild(make('span', 'badge tier tier-' + String(customer.tier).replace(/[^a-z0-9_-]/gi, ''), customer.tier));
  }
  var n = unread.get(String(c.id)) || 0;
  if (n) {
    var u = make('span', 'unread', n > 99 ? '99+' : n);
    u.setAttribute('aria-label', n + ' unread');
    row1.appendChild(u);
  }
  var sinceIso = listName === 'queued' ? (c.queued_at || c.created_at)
    : listName === 'mine' ? (c.assigned_at || c.created_at) : c.created_at;
  var time = make('span', 'conv-time', since(sinceIso));
  time.setAttribute('data-since', sinceIso || '');
  time.setAttribute('title', listName === 'queued' ? 'Waiting for' : 'Since');
  row1.appendChild(time);
  btn.appendChild(row1);

  var row2 = make('span', 'conv-row');
  if (c.priority) {
    row2.appendChild(make('span', 'badge prio prio-' + String(c.priority).replace(/[^a-z]/gi, ''), c.priority));
  }
  var meta = [];
  if (c.queue) meta.push(c.queue);
  if (c.intent) meta.push(humanize(c.intent));
  if (listName === 'bot' && c.status) meta.push(humanize(c.status));
  row2.appendChild(make('span', 'conv-meta', meta.join(' \u00B7 ')));
  btn.appendChild(row2);

  if (c.summary && listName !== 'mine') {
    btn.appendChild(make('span', 'conv-summary', c.summary));
  }
  li.classList.toggle('has-unread', n > 0);
  li.classList.toggle('is-active', String(c.id) === openId);
}

export function renderList(listName) {
  var list = lists[listName];
  if (!list.el) return;
  var items = Array.from(list.map.values()).sort(sortKey(listName));
  var existing = new Map();
  Array.prototype.forEach.call(list.el.children, function (li) {
    existing.set(li.getAttribute('data-conversation-id'), li);
  });
  var keep = new Set();
  items.forEach(function (c, index) {
    var id = String(c.id);
    keep.add(id);
    var li = existing.get(id);
    if (!li) {
      li = make('li', 'conv-item');
      li.setAttribute('data-conversation-id', id);
      var btn = make('button', 'conv-open');
      btn.type = 'button';
      btn.addEventListener('click', function () { pick(id); });
      li.appendChild(btn);
    }
    fillItem(li, c, listName);
    if (list.el.children[index] !== li) list.el.insertBefore(li, list.el.children[index] || null);
  });
  existing.forEach(function (li, id) { if (!keep.has(id)) li.remove(); });
  list.count.textContent = String(items.length);
  list.empty.hidden = items.length > 0;
}

export function renderAllLists() { renderList('queued'); renderList('mine'); renderList('bot'); }

export function upsert(listName, c) {
  var list = lists[listName];
  var id = String(c.id);
  var isNew = !list.map.has(id);
  var prev = list.map.get(id) || {};
  list.map.set(id, Object.assign({}, prev, c, { customer: Object.assign({}, prev.customer || {}, c.customer || {}) }));
  return isNew;
}

export function remove(listName, id) { return lists[listName].map.delete(String(id)); }

export function markNew(listName, id) {
  var li = lists[listName].el && lists[listName].el.querySelector('[data-conversation-id="' + CSS.escape(String(id)) + '"]');
  if (!li) return;
  li.classList.remove('is-new');
  void li.offsetWidth;
  li.classList.add('is-new');
}

/* Apply a summary S to the lists by the rules of the spec. */
export function placeSummary(s) {
  var id = String(s.id);
  var myQueue = isSupervisor || (me && Array.isArray(me.queues) && me.queues.indexOf(s.queue) !== -1);
  if (s.status === 'queued' && myQueue) upsert('queued', s);
  else remove('queued', id);
  if (isMine(s)) upsert('mine', s);
  else remove('mine', id);
  if (isSupervisor && s.status === 'bot') upsert('bot', s);
  else remove('bot', id);
  if (!lists.queued.map.has(id) && !lists.mine.map.has(id) && !lists.bot.map.has(id) && id !== openId) unread.delete(id);
}

// Wait times tick once a second without re-rendering the lists.
export function tickWaitTimes() {
  setInterval(function () {
    Array.prototype.forEach.call(document.querySelectorAll('.conv-time[data-since]'), function (el) {
      var iso = el.getAttribute('data-since');
      if (iso) el.textContent = since(iso);
    });
  }, 1000);
}
