/* The intents page's training panel (templates/admin/bots/intent/change_list.html): while a
   training job is queued or running, ask the admin's status endpoint every second and show its
   progress, then its result. Data reaches the DOM as text only. */

import { byId, make } from '../common.js';

var POLL_MS = 1000;
var RETRY_MS = 3000;

var panel = byId('training');

function figure(value) {
  return typeof value === 'number' ? value.toFixed(3) : '';
}

function renderCurve(rows) {
  var table = byId('training-curve');
  var body = table.querySelector('tbody');
  body.replaceChildren();
  (rows || []).forEach(function (row) {
    var tr = make('tr');
    tr.appendChild(make('td', '', row.threshold));
    tr.appendChild(make('td', '', figure(row.in_scope_accuracy)));
    tr.appendChild(make('td', '', figure(row.oos_recall)));
    body.appendChild(tr);
  });
  table.hidden = !(rows && rows.length);
}

function render(job) {
  if (!job) return;
  var summary = byId('training-summary');
  summary.textContent = job.summary;
  summary.setAttribute('data-status', job.status);
  var bar = byId('training-progress');
  bar.value = job.progress;
  bar.hidden = job.finished;
  var version = byId('training-version');
  version.replaceChildren();
  if (job.version_url) {
    var link = make('a', '', 'Version ' + job.version);
    link.href = job.version_url;
    version.appendChild(link);
  }
  renderCurve(job.finished ? job.oos_curve : []);
  panel.setAttribute('data-finished', job.finished ? 'true' : 'false');
}

function poll() {
  fetch(panel.getAttribute('data-status-url'), {
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { accept: 'application/json' },
  })
    .then(function (answer) {
      if (!answer.ok) throw new Error('status ' + answer.status);
      return answer.json();
    })
    .then(function (data) {
      render(data.job);
      if (data.job && !data.job.finished) setTimeout(poll, POLL_MS);
    })
    .catch(function () {
      setTimeout(poll, RETRY_MS); // a server restart or a network blip: keep asking
    });
}

if (panel && panel.getAttribute('data-finished') === 'false') poll();
