/* The handoff packet: what the assistant learned before handing the conversation over, so the
 * agent need not ask the customer again, and the agent assist that comes with it. */

import * as UI from '../common.js';
import { ui, toast } from './page.js';
import { current } from './state.js';
import { formatDate, humanize, percent } from './format.js';
import { sendOrWarn } from './connection.js';
import { insertReply } from './composer.js';
import { icon } from './icons.js';

var make = UI.make;

export var csatByConv = new Map();

function section(title) {
  var s = make('section', 'packet-section');
  if (title) s.appendChild(make('h3', null, title));
  return s;
}

function kv(rows) {
  var dl = make('dl', 'kv');
  rows.forEach(function (r) {
    if (r[1] === null || r[1] === undefined || r[1] === '') return;
    dl.appendChild(make('dt', null, r[0]));
    var dd = make('dd');
    if (r[1] instanceof Node) dd.appendChild(r[1]); else dd.textContent = String(r[1]);
    dl.appendChild(dd);
  });
  return dl;
}

/* Agent assist: an opening line that shows the customer they need not repeat themselves,
   matching articles and canned replies, each inserted into the reply box with one click; and
   the agent's verdict on the bot's handling. */
function assistRow(title, text) {
  var row = make('div', 'assist-row');
  row.appendChild(make('span', 'assist-title', title));
  var b = make('button', 'btn btn-small', 'Insert');
  b.type = 'button';
  b.setAttribute('aria-label', 'Insert: ' + title);
  b.addEventListener('click', function () { insertReply(text); });
  row.appendChild(b);
  return row;
}

function renderAssist(body, c) {
  var s = section('Assist');
  s.id = 'assist';
  if (c.suggested_opening) s.appendChild(assistRow('Suggested opening: \u201C' + c.suggested_opening + '\u201D', c.suggested_opening));
  var a = c.assist || {};
  (a.articles || []).forEach(function (x) { s.appendChild(assistRow('Article: ' + x.title, x.text)); });
  (a.replies || []).forEach(function (x) { s.appendChild(assistRow('Reply: ' + x.title, x.text)); });
  body.appendChild(s);
  if (c.handoff_trigger) body.appendChild(renderRating(c, a.intents || []));
}

/* The agent's verdict on the bot: good or poor, and the right intent when the bot's was wrong,
 * chosen from the bot's own intents (a typed name that matched none taught it nothing). The
 * packet is redrawn as frames arrive, so the choice is kept per conversation until sent. */
var chosenIntent = new Map();   // conversation id -> intent name

function intentSelect(c, intents) {
  var id = 'rate-intent-' + String(c.id).replace(/[^0-9a-f-]/gi, '');
  var wrap = make('div', 'rate-intent-field');
  var label = make('label', 'rate-intent-label', 'Right intent, if the bot was wrong');
  label.htmlFor = id;
  var select = make('select', 'rate-intent');
  select.id = id;
  select.appendChild(new Option('The bot\u2019s intent was right', ''));
  intents.filter(function (x) { return x && x.name && x.name !== 'out_of_scope'; })
    .map(function (x) { return { value: String(x.name), label: humanize(x.name), title: x.description || '' }; })
    .sort(function (x, y) { return x.label.localeCompare(y.label); })
    .forEach(function (x) {
      var opt = new Option(x.label, x.value);
      if (x.title) opt.title = String(x.title);
      select.appendChild(opt);
    });
  select.appendChild(new Option('Out of scope (nothing the desk handles)', 'out_of_scope'));
  var kept = chosenIntent.get(String(c.id));
  if (kept && Array.prototype.some.call(select.options, function (o) { return o.value === kept; })) select.value = kept;
  select.addEventListener('change', function () { chosenIntent.set(String(c.id), select.value); });
  wrap.appendChild(label);
  wrap.appendChild(select);
  return wrap;
}

function renderRating(c, intents) {
  var r = section('How did the bot do?');
  r.id = 'rate-bot';
  var field = intentSelect(c, intents);
  var select = field.querySelector('select');
  var row = make('div', 'assist-row rate-row');
  ['up', 'down'].forEach(function (rating) {
    var b = make('button', 'btn btn-small btn-icon');
    b.type = 'button';
    b.setAttribute('data-rating', rating);
    b.appendChild(icon(rating === 'up' ? 'thumbUp' : 'thumbDown'));
    b.appendChild(document.createTextNode(rating === 'up' ? 'Good' : 'Poor'));
    b.addEventListener('click', function () {
      var frame = { type: 'rate_bot', conversation_id: c.id, rating: rating };
      if (select.value) frame.intent = select.value;
      if (sendOrWarn(frame)) toast('Thanks \u2014 noted for the next training run.', 'ok');
    });
    row.appendChild(b);
  });
  r.appendChild(row);
  r.appendChild(field);
  return r;
}

/* The customer's latest message as the model read it (chat-protocol.md: the packet's
   `emotions` and `frustration`): how likely they are frustrated, and the emotions that read
   0.3 or more, strongest first. Whatever the handoff's intent and trigger, these follow the
   customer as they write. */
var FRUSTRATED = 0.55;  // the shipped rules' threshold (docs/routing.md)
var SHOWN_EMOTION = 0.3;

function frustrationNode(c) {
  var p = percent(c.frustration);
  if (p === null) return null;
  var node = make('span', Number(c.frustration) >= FRUSTRATED ? 'frustration-high' : null, p + '%');
  var meter = make('span', 'meter');
  meter.setAttribute('aria-hidden', 'true');
  var fill = make('span');
  fill.style.width = Math.max(0, Math.min(100, p)) + '%';
  meter.appendChild(fill);
  node.appendChild(meter);
  node.title = 'How likely the latest customer message is frustrated';
  return node;
}

function emotionTags(emotions, limit) {
  if (!emotions || typeof emotions !== 'object') return null;
  var names = Object.keys(emotions).filter(function (k) {
    return typeof emotions[k] === 'number' && emotions[k] >= SHOWN_EMOTION;
  }).sort(function (a, b) { return emotions[b] - emotions[a]; }).slice(0, limit || 3);
  if (!names.length) return null;
  var tags = make('span', 'tags emotion-tags');
  names.forEach(function (k) {
    tags.appendChild(make('span', 'badge', humanize(k) + ' ' + Math.round(emotions[k] * 100) + '%'));
  });
  return tags;
}

export function renderPacket() {
  var body = ui.packetBody;
  body.textContent = '';
  if (!current) {
    body.appendChild(make('p', 'packet-empty', 'Open a conversation to see what the assistant learned.'));
    return;
  }
  var c = current;

  var s1 = section('Handoff');
  var intent = null;
  if (c.intent) {
    intent = make('span');
    intent.appendChild(document.createTextNode(humanize(c.intent)));
    var p = percent(c.intent_confidence);
    if (p !== null) {
      intent.appendChild(document.createTextNode(' \u00B7 ' + p + '%'));
      var meter = make('span', 'meter');
      meter.setAttribute('aria-hidden', 'true');
      var fill = make('span');
      fill.style.width = Math.max(0, Math.min(100, p)) + '%';
      meter.appendChild(fill);
      intent.appendChild(meter);
    }
  }
  var sentiment = null;
  if (c.sentiment) {
    sentiment = make('span', 'sentiment-' + String(c.sentiment).replace(/[^a-z]/gi, ''), humanize(c.sentiment));
    if (c.sentiment_score !== null && c.sentiment_score !== undefined && !isNaN(Number(c.sentiment_score))) {
      sentiment.textContent += ' (' + (Number(c.sentiment_score) > 0 ? '+' : '') + Number(c.sentiment_score).toFixed(2) + ')';
    }
  }
  var wait = null;
  if (c.status === 'queued') {
    var w = [];
    if (c.position !== null && c.position !== undefined) w.push('#' + c.position + ' in line');
    if (c.estimated_wait_seconds !== null && c.estimated_wait_seconds !== undefined) w.push('~' + Math.max(1, Math.round(c.estimated_wait_seconds / 60)) + ' min');
    wait = w.join(', ');
  }
  s1.appendChild(kv([
    ['Intent', intent || 'Not detected'],
    ['Sentiment', sentiment],
    ['Frustration', frustrationNode(c)],
    ['Emotions', emotionTags(c.emotions)],
    ['Trigger', humanize(c.handoff_trigger)],
    ['Priority', humanize(c.priority)],
    ['Queue', c.queue],
    ['Waiting', wait]
  ]));
  body.appendChild(s1);

  if (c.summary) {
    var s2 = section('Summary');
    s2.appendChild(make('p', 'packet-summary', c.summary));
    body.appendChild(s2);
  }

  renderAssist(body, c);

  var collected = c.collected && typeof c.collected === 'object' ? Object.keys(c.collected) : [];
  var s3 = section('Collected by the assistant');
  if (collected.length) {
    s3.appendChild(kv(collected.map(function (k) {
      var v = c.collected[k];
      return [humanize(k), typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)];
    })));
  } else {
    s3.appendChild(make('p', 'packet-empty', 'Nothing collected yet.'));
  }
  body.appendChild(s3);

  var cu = c.customer || {};
  var s4 = section('Customer');
  s4.appendChild(kv([
    ['Name', cu.name],
    ['Email', cu.email],
    ['Tier', cu.tier ? humanize(cu.tier) : null],
    ['Contacts (30 days)', cu.contact_count_30d],
    ['Channel', c.channel ? humanize(c.channel) : null],
    ['Page', c.page_url]
  ]));
  body.appendChild(s4);

  if (Array.isArray(c.tags) && c.tags.length) {
    var s5 = section('Tags');
    var tags = make('div', 'tags');
    c.tags.forEach(function (t) { tags.appendChild(make('span', 'badge', t)); });
    s5.appendChild(tags);
    body.appendChild(s5);
  }

  var recent = Array.isArray(cu.recent_contacts) ? cu.recent_contacts : [];
  var s6 = section('Recent contacts');
  if (recent.length) {
    var ul = make('ul', 'recent');
    recent.forEach(function (r) {
      var li = make('li');
      var what = [humanize(r.intent) || 'Conversation', r.queue, humanize(r.status)].filter(Boolean).join(' \u00B7 ');
      li.appendChild(make('span', null, what));
      li.appendChild(make('span', 'when', formatDate(r.created_at)));
      ul.appendChild(li);
    });
    s6.appendChild(ul);
  } else {
    s6.appendChild(make('p', 'packet-empty', 'No other contacts recently.'));
  }
  body.appendChild(s6);

  var rating = csatByConv.get(String(c.id));
  if (rating) {
    var s7 = section('Satisfaction');
    var line = make('p', 'csat-line', rating.score + ' / 5');
    if (rating.comment) line.appendChild(document.createTextNode(' \u2014 \u201C' + rating.comment + '\u201D'));
    s7.appendChild(line);
    body.appendChild(s7);
  }
}

/* On narrow screens the packet is a panel over the conversation, opened on demand. */
export function wirePacket() {
  ui.packetToggle.addEventListener('click', function () {
    var open = document.body.classList.toggle('packet-open');
    ui.packetToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) ui.packetClose.focus();
  });
  ui.packetClose.addEventListener('click', function () {
    document.body.classList.remove('packet-open');
    ui.packetToggle.setAttribute('aria-expanded', 'false');
    ui.packetToggle.focus();
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && document.body.classList.contains('packet-open')) ui.packetClose.click();
  });
}
