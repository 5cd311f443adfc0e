/* The tickets page: callback tickets and the like, in the agents' hands (claim, reply by email,
 * close), each beside the customer's chat. Reads and actions go through the REST API
 * (/api/v1/tickets/, docs/protocol.md §2.6), whose scope is the agent's queues. The page's own
 * socket (/ws/agent/?view=tickets, which only listens: it keeps no presence, so this tab never
 * counts as the agent being online for chats) says which ticket changed, and the page reads it
 * again; the Refresh button and a tab coming back into view do the same by hand. Data reaches
 * the DOM as text only. */

import { byId, getCookie, make, toast } from './common.js';
import { ReconnectingSocket } from './socket.js';

var API = '/api/v1/tickets/';
var main = byId('main');
var me = main.getAttribute('data-agent-id');
var supervisor = main.getAttribute('data-supervisor') === '1';
var toasts = byId('toasts');
var state = { view: 'open', tickets: [], selected: null, detail: null, busy: false };

function request(method, url, body) {
  var headers = { 'Accept': 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers['X-CSRFToken'] = getCookie('csrftoken') || '';
  }
  return fetch(url, {
    method: method, credentials: 'same-origin', cache: 'no-store', headers: headers,
    body: body === undefined ? undefined : JSON.stringify(body)
  }).then(function (answer) {
    return answer.json().catch(function () { return {}; }).then(function (data) {
      if (!answer.ok) {
        var error = new Error(data.detail || firstFieldError(data) || 'The desk refused that (' + answer.status + ').');
        error.code = data.code;
        throw error;
      }
      return data;
    });
  });
}

function firstFieldError(data) {
  for (var key in data) {
    if (Array.isArray(data[key]) && data[key].length) return key + ': ' + data[key][0];
  }
  return '';
}

/* --- Times ------------------------------------------------------------------------------ */

function span(ms) {
  var minutes = Math.round(Math.abs(ms) / 60000);
  if (minutes < 60) return minutes + ' min';
  var hours = Math.floor(minutes / 60);
  if (hours < 48) return hours + ' h' + (minutes % 60 ? ' ' + (minutes % 60) + ' min' : '');
  return Math.round(hours / 24) + ' days';
}

function dueText(ticket) {
  if (ticket.status === 'closed') return 'Closed';
  if (!ticket.due_at) return 'No due time';
  var left = new Date(ticket.due_at).getTime() - Date.now();
  if (ticket.overdue) return 'Overdue by ' + span(left);
  if (ticket.status === 'pending') return 'Replied';
  return 'Due in ' + span(left);
}

var STATUS_LABELS = {
  open: 'Open', pending: 'Replied, waiting on the customer', solved: 'Solved', closed: 'Closed'
};

function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/* --- The list --------------------------------------------------------------------------- */

function loadList() {
  return request('GET', API + '?view=' + state.view).then(function (tickets) {
    state.tickets = tickets;
    renderList();
  }).catch(function (error) { toast(toasts, error.message, 'error'); });
}

function renderList() {
  var list = byId('tickets-list');
  list.replaceChildren();
  state.tickets.forEach(function (ticket) {
    var item = make('li', 'tickets-item');
    var button = make('button', 'ticket-row');
    button.type = 'button';
    button.setAttribute('data-ticket-id', ticket.id);
    if (ticket.id === state.selected) button.setAttribute('aria-current', 'true');
    var top = make('span', 'ticket-row-top');
    top.appendChild(make('span', 'ticket-row-subject', ticket.subject));
    var due = make('span', 'ticket-due' + (ticket.overdue ? ' is-overdue' : ''), dueText(ticket));
    top.appendChild(due);
    button.appendChild(top);
    var meta = make('span', 'ticket-row-meta');
    meta.appendChild(make('span', null, '#' + ticket.id + ' · ' + ticket.customer + (ticket.queue ? ' · ' + ticket.queue : '')));
    meta.appendChild(make('span', 'ticket-claimed', ticket.assignee ? 'Claimed by ' + holderName(ticket) : 'Unclaimed'));
    button.appendChild(meta);
    button.addEventListener('click', function () { select(ticket.id); });
    item.appendChild(button);
    list.appendChild(item);
  });
  var n = state.tickets.length;
  byId('tickets-count').textContent = n ? n + (n === 1 ? ' ticket' : ' tickets') : 'No tickets here.';
}

function holderName(ticket) {
  return ticket.assignee.id === me ? 'you' : ticket.assignee.name;
}

/* --- One ticket ------------------------------------------------------------------------- */

function select(id) {
  state.selected = id;
  renderList();
  return request('GET', API + id + '/').then(show).catch(function (error) {
    toast(toasts, error.message, 'error');
  });
}

function show(detail) {
  state.detail = detail;
  var ticket = detail.ticket;
  byId('ticket-empty').hidden = true;
  byId('ticket-detail').hidden = false;
  byId('ticket-error').hidden = true;
  byId('ticket-subject').textContent = '#' + ticket.id + ' ' + ticket.subject;
  byId('ticket-customer').textContent = ticket.customer;
  byId('ticket-email').textContent = ticket.customer_email || 'None given';
  byId('ticket-queue').textContent = ticket.queue || '—';
  var due = byId('ticket-due');
  due.textContent = (ticket.due_at ? when(ticket.due_at) + ' · ' : '') + dueText(ticket);
  due.classList.toggle('is-overdue', !!ticket.overdue);
  byId('ticket-status').textContent = STATUS_LABELS[ticket.status] || ticket.status;
  byId('ticket-assignee').textContent = ticket.assignee ? holderName(ticket) : 'Nobody yet';
  byId('ticket-description').textContent = ticket.description || '';

  var closed = ticket.status === 'closed';
  var mine = ticket.assignee && ticket.assignee.id === me;
  var othersClaim = ticket.assignee && !mine;
  var claim = byId('ticket-claim');
  claim.hidden = closed || mine;
  claim.disabled = !!othersClaim;
  claim.textContent = othersClaim ? 'Claimed by ' + ticket.assignee.name : 'Claim';
  var mayWork = !closed && (!othersClaim || supervisor);
  byId('ticket-reply-form').hidden = !mayWork;
  byId('ticket-close-form').hidden = !mayWork;
  var held = byId('ticket-held');
  held.hidden = closed || !othersClaim || supervisor;
  held.textContent = othersClaim ? 'Only ' + ticket.assignee.name + ' or a supervisor may reply or close it.' : '';

  var log = byId('ticket-log');
  log.replaceChildren();
  detail.events.forEach(function (event) {
    var item = make('li', 'ticket-event');
    item.setAttribute('data-kind', event.kind);
    item.appendChild(make('span', 'ticket-event-what', eventText(event)));
    item.appendChild(make('time', 'ticket-event-when', when(event.created_at)));
    if (event.body) item.appendChild(make('p', 'ticket-event-body', event.body));
    log.appendChild(item);
  });
  if (!detail.events.length) log.appendChild(make('li', 'ticket-event is-empty', 'Nothing done yet.'));

  var history = byId('ticket-history');
  history.replaceChildren();
  detail.history.forEach(function (message) {
    var item = make('li', 'history-msg' + (message.internal ? ' is-note' : ''));
    item.setAttribute('data-sender', message.sender);
    var who = message.author_name || (message.sender === 'customer' ? ticket.customer : message.sender);
    item.appendChild(make('span', 'history-who', message.internal ? who + ' · internal note' : who));
    item.appendChild(make('p', 'history-body', message.body));
    history.appendChild(item);
  });
  if (!detail.history.length) history.appendChild(make('li', 'history-msg is-empty', 'No chat for this ticket.'));
}

function eventText(event) {
  if (event.kind === 'claimed') return event.actor + ' claimed it';
  if (event.kind === 'replied') return event.actor + ' emailed ' + (event.email_to || 'the customer');
  if (event.kind === 'closed') return event.actor + ' closed it';
  return event.actor + ': ' + event.kind;
}

function act(path, body, done) {
  if (state.busy || !state.detail) return Promise.resolve();
  state.busy = true;
  var id = state.detail.ticket.id;
  return request('POST', API + id + '/' + path + '/', body).then(function (detail) {
    show(detail);
    if (done) done();
    return loadList();
  }).catch(function (error) {
    var box = byId('ticket-error');
    box.textContent = error.message;
    box.hidden = false;
    // What changed meanwhile (another agent's claim) shows at once.
    return Promise.all([loadList(), request('GET', API + id + '/').then(function (detail) {
      show(detail);
      box.textContent = error.message;
      box.hidden = false;
    }).catch(function () {})]);
  }).finally(function () { state.busy = false; });
}

byId('ticket-claim').addEventListener('click', function () {
  act('claim', {}, function () { toast(toasts, 'Claimed: the ticket is yours.', 'ok'); });
});

byId('ticket-reply-form').addEventListener('submit', function (e) {
  e.preventDefault();
  var box = byId('ticket-reply-body');
  act('reply', { body: box.value }, function () {
    box.value = '';
    toast(toasts, 'Email queued to the customer.', 'ok');
  });
});

byId('ticket-close-form').addEventListener('submit', function (e) {
  e.preventDefault();
  var note = byId('ticket-close-note');
  act('close', { note: note.value }, function () {
    note.value = '';
    toast(toasts, 'Ticket closed.', 'ok');
  });
});

Array.prototype.forEach.call(document.querySelectorAll('.tickets-filter'), function (button) {
  button.addEventListener('click', function () {
    state.view = button.getAttribute('data-view');
    Array.prototype.forEach.call(document.querySelectorAll('.tickets-filter'), function (other) {
      other.setAttribute('aria-pressed', other === button ? 'true' : 'false');
    });
    loadList();
  });
});

function refresh() {
  loadList();
  if (state.selected) select(state.selected);
}

/* A burst of changes (a reply claims, then answers) is read once. */
var pending = null;
function changed(ticketId) {
  pending = pending || { selected: false };
  if (ticketId === state.selected) pending.selected = true;
  if (pending.timer) return;
  pending.timer = setTimeout(function () {
    var reselect = pending.selected && !state.busy;
    pending = null;
    loadList();
    if (reselect) {
      request('GET', API + state.selected + '/').then(show).catch(function () { /* gone from scope */ });
    }
  }, 250);
}

var socket = new ReconnectingSocket({
  url: function () { return '/ws/agent/?view=tickets'; },
  banner: byId('tickets-banner'),
  onOpen: function () {
    main.setAttribute('data-live', '1');
    refresh();  // whatever changed while the socket was down
  },
  onFrame: function (frame) { if (frame.type === 'ticket.changed') changed(frame.ticket_id); },
  onClose: function () {
    main.setAttribute('data-live', '0');
    return true;
  }
});

byId('tickets-refresh').addEventListener('click', refresh);
document.addEventListener('visibilitychange', function () {
  if (document.visibilityState === 'visible') refresh();
});

loadList();
socket.connect();
