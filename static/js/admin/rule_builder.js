/* The rule builder's rows (routing/forms.py): add and remove them, keep their numbers and
   labels in step ("Condition 2", "Action 3": the words the server's errors use), and show only
   the fields a row's type takes. The rows are plain Django formsets; this module only edits
   the DOM the server rendered, and the page works without it.

   The sentence above the rows follows the edits: a moment after the last one, the form as it
   stands is posted to the rule admin's sentence/ view (nothing is saved), which reads it as
   the list will (routing/rules/sentences.py). */

function rowsOf(section) {
  return Array.prototype.slice.call(section.querySelectorAll('[data-rows] > [data-row]'));
}

function showFieldsFor(row) {
  var select = row.querySelector('.rb-type select');
  var chosen = select ? select.value : '';
  row.querySelectorAll('[data-types]').forEach(function (field) {
    field.hidden = field.getAttribute('data-types').split(' ').indexOf(chosen) === -1;
  });
}

/* Name every row's fields by its place: when-0-type, when-1-type, ... Django's formset reads
   rows 0..TOTAL_FORMS-1, so a removed row must leave no gap. */
function renumber(section) {
  var prefix = section.getAttribute('data-rule-rows');
  var word = section.getAttribute('data-row-word');
  var pattern = new RegExp('^(id_)?' + prefix + '-(\\d+|__prefix__)-');
  var rows = rowsOf(section);
  rows.forEach(function (row, index) {
    var fresh = prefix + '-' + index + '-';
    row.querySelectorAll('[name], [id], label[for]').forEach(function (node) {
      ['name', 'id', 'for'].forEach(function (attr) {
        var value = node.getAttribute(attr);
        if (value && pattern.test(value)) {
          node.setAttribute(attr, value.replace(pattern, function (_, id) { return (id || '') + fresh; }));
        }
      });
    });
    var label = word + ' ' + (index + 1);
    var shown = row.querySelector('[data-row-label]');
    if (shown) shown.textContent = label;
    var remove = row.querySelector('[data-remove-row]');
    if (remove) remove.setAttribute('aria-label', 'Remove ' + label);
  });
  section.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]').value = String(rows.length);
  // Every row is posted as a fresh one: the server compiles what is there, in this order.
  section.querySelector('input[name="' + prefix + '-INITIAL_FORMS"]').value = '0';
}

function addRow(section) {
  var template = section.querySelector('template[data-empty-row]');
  var row = template.content.firstElementChild.cloneNode(true);
  section.querySelector('[data-rows]').appendChild(row);
  renumber(section);
  showFieldsFor(row);
  var select = row.querySelector('.rb-type select');
  if (select) select.focus();
}

function removeRow(section, row) {
  var rows = rowsOf(section);
  var next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
  row.remove();
  renumber(section);
  var focus = next ? next.querySelector('.rb-type select') : section.querySelector('[data-add-row]');
  if (focus) focus.focus();
}

function setUp(section) {
  section.addEventListener('click', function (event) {
    var button = event.target.closest('button');
    if (!button || !section.contains(button)) return;
    if (button.hasAttribute('data-add-row')) addRow(section);
    else if (button.hasAttribute('data-remove-row')) removeRow(section, button.closest('[data-row]'));
  });
  section.addEventListener('change', function (event) {
    if (event.target.matches('.rb-type select')) showFieldsFor(event.target.closest('[data-row]'));
  });
  rowsOf(section).forEach(showFieldsFor);
  renumber(section);
  section.classList.add('rb-ready');
}

document.querySelectorAll('[data-rule-rows]').forEach(setUp);

var PREVIEW_MS = 300;

function setUpPreview(sentence) {
  var form = sentence.closest('form') || document.querySelector('#rule_form');
  if (!form) return;
  var url = sentence.getAttribute('data-sentence-url');
  var timer = null;
  var asked = 0;
  function ask() {
    var mine = ++asked;
    fetch(url, { method: 'POST', body: new FormData(form), credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer || mine !== asked) return;  // a newer edit's answer is on its way
        sentence.textContent = answer.sentence;
        sentence.hidden = !answer.sentence;
      })
      .catch(function () { /* the sentence stays as it was; saving still works */ });
  }
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(ask, PREVIEW_MS);
  }
  form.addEventListener('input', soon);
  form.addEventListener('change', soon);
  form.addEventListener('click', function (event) {
    if (event.target.closest('[data-add-row], [data-remove-row]')) soon();
  });
}

var sentence = document.getElementById('rule-sentence');
if (sentence && sentence.hasAttribute('data-sentence-url')) setUpPreview(sentence);
