/* The conversations view: search and filters over every conversation the agent may see
 * (GET /api/v1/agent/conversations/search/, docs/protocol.md section 2). Each result links to the
 * conversation's permanent address, /inbox/c/<id>/.
 *
 * The search lives in the address (?q=...&status=...&page=...), so a reload or a shared link
 * shows the same results, and Back returns to the previous search. Data reaches the DOM as
 * text only.
 */

import { byId, make } from './common.js';

var form = byId('search-form');
var statusLine = byId('search-status');
var results = byId('results');
var pager = byId('pager');
var prev = byId('page-prev');
var next = byId('page-next');
var pageAt = byId('page-at');

var FIELDS = ['q', 'status', 'queue', 'intent', 'assignee', 'since', 'until'];
var STATUS_WORDS = { bot: 'with bot', queued: 'waiting', assigned: 'with an agent', resolved: 'resolved', abandoned: 'abandoned' };
var page = 1;
var asked = 0;   // answers to an older request are dropped

function fromForm() {
  var params = new URLSearchParams();
  FIELDS.forEach(function (name) {
    var value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  });
  if (page > 1) params.set('page', String(page));
  return params;
}

function toForm(params) {
  FIELDS.forEach(function (name) { form.elements[name].value = params.get(name) || ''; });
  var n = parseInt(params.get('page') || '1', 10);
  page = n > 0 ? n : 1;
}

function when(iso) {
  if (!iso) return '';
  var d = new Date(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function errorText(body) {
  if (!body) return 'The search failed. Try again.';
  if (body.detail) return body.detail;
  var words = [];
  Object.keys(body).forEach(function (field) {
    var said = Array.isArray(body[field]) ? body[field].join(' ') : String(body[field]);
    words.push((field === 'since' ? 'From' : field === 'until' ? 'To' : field) + ': ' + said);
  });
  return words.join(' ') || 'The search failed. Try again.';
}

function renderRow(r) {
  var li = make('li', 'result');
  li.setAttribute('data-conversation-id', r.id);
  var head = make('div', 'result-head');
  var link = make('a', 'result-link', r.customer.name || r.customer.email || 'Visitor');
  link.href = r.url;
  head.appendChild(link);
  var pill = make('span', 'badge status-pill', STATUS_WORDS[r.status] || r.status);
  pill.setAttribute('data-status', r.status);
  head.appendChild(pill);
  var time = make('time', 'result-when', when(r.created_at));
  time.setAttribute('datetime', r.created_at);
  head.appendChild(time);
  li.appendChild(head);

  var bits = [];
  if (r.customer.email && r.customer.name !== r.customer.email) bits.push(r.customer.email);
  if (r.queue) bits.push(r.queue);
  if (r.intent) bits.push(r.intent.replace(/_/g, ' '));
  bits.push(r.agent_name ? 'held by ' + r.agent_name : 'nobody held it');
  li.appendChild(make('p', 'result-meta', bits.join(' \u00B7 ')));

  if (r.match) {
    var quote = make('p', 'result-match' + (r.match.internal ? ' is-note' : ''));
    var who = r.match.internal ? 'Internal note: ' : r.match.sender === 'customer' ? 'Customer: ' : r.match.sender === 'agent' ? 'Agent: ' : 'Bot: ';
    quote.appendChild(make('span', 'result-who', who));
    quote.appendChild(document.createTextNode(r.match.snippet));
    li.appendChild(quote);
  } else if (r.summary) {
    li.appendChild(make('p', 'result-summary', r.summary));
  }
  return li;
}

function render(body) {
  results.textContent = '';
  body.results.forEach(function (r) { results.appendChild(renderRow(r)); });
  var n = body.results.length;
  if (body.notice) statusLine.textContent = body.notice;
  else if (!n) statusLine.textContent = body.page > 1 ? 'No more conversations.' : 'No conversations match.';
  else statusLine.textContent = (body.query ? 'Conversations matching \u201C' + body.query + '\u201D' : 'All conversations') +
    ': page ' + body.page + ', ' + n + (n === 1 ? ' result' : ' results') + (body.has_next ? ' (more on older pages).' : '.');
  pager.hidden = !body.has_previous && !body.has_next;
  prev.disabled = !body.has_previous;
  next.disabled = !body.has_next;
  pageAt.textContent = 'Page ' + body.page;
}

function search(params) {
  var mine = ++asked;
  results.setAttribute('aria-busy', 'true');
  statusLine.textContent = 'Searching\u2026';
  return fetch('/api/v1/agent/conversations/search/?' + params.toString(), {
    credentials: 'same-origin', cache: 'no-store', headers: { 'Accept': 'application/json' }
  }).then(function (res) {
    if (res.status === 401 || res.status === 403) {
      window.location.href = '/login/?next=' + encodeURIComponent(window.location.pathname + window.location.search);
      return null;
    }
    return res.json().catch(function () { return null; }).then(function (body) {
      if (mine !== asked) return;
      if (!res.ok || !body) {
        results.textContent = '';
        pager.hidden = true;
        statusLine.textContent = errorText(body);
        return;
      }
      render(body);
    });
  }).catch(function () {
    if (mine === asked) statusLine.textContent = 'The desk did not answer. Check the connection and try again.';
  }).finally(function () {
    if (mine === asked) results.removeAttribute('aria-busy');
  });
}

function go(push) {
  var params = fromForm();
  var address = window.location.pathname + (params.toString() ? '?' + params.toString() : '');
  if (push) history.pushState(null, '', address);
  else history.replaceState(null, '', address);
  return search(params);
}

form.addEventListener('submit', function (e) {
  e.preventDefault();
  page = 1;
  go(true);
});
// A filter applies as soon as it changes; the words wait for Enter or the button.
Array.prototype.forEach.call(form.querySelectorAll('select, input[type="date"]'), function (el) {
  el.addEventListener('change', function () { page = 1; go(true); });
});
prev.addEventListener('click', function () { if (page > 1) { page -= 1; go(true); } });
next.addEventListener('click', function () { page += 1; go(true); });
window.addEventListener('popstate', function () {
  toForm(new URLSearchParams(window.location.search));
  search(fromForm());
});

toForm(new URLSearchParams(window.location.search));
go(false);
