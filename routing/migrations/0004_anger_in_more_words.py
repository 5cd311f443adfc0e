"""Anger in more words (issue 14): the shipped rule "Anger in so many words" also hears swearing,
ultimatums ("sort it out", "this is the last time"), demands ("I demand", "I expect a full
refund today") and long holds ("on hold for 40 minutes"), which the frustration head can read as a
calm report of the problem beside them.

The rule's pattern is changed where the rule is still exactly as 0003 added it; a supervisor's
edit is theirs and stays. The change is in the rule's history, by nobody (the migration). The
new words are written out here, not imported from routing/defaults.py, so this migration means
the same thing whatever the defaults become.
"""

import importlib

from django.db import migrations

ADDED_IN_0003 = importlib.import_module("routing.migrations.0003_frustration_rules")
NAME = "Anger in so many words"
BEFORE = next(rule for rule in ADDED_IN_0003.ADDED if rule["name"] == NAME)
MORE = (
    r"wtf|wth|ffs|f+u+c+k\w*|bullshit|crap|bloody hell|screw (you|this)|piss(ed)? off|"
    r"sort (it|this|yourselves) out|get your act together|this is the last time|"
    r"last time i (order|buy|shop|use)|i demand|"
    r"i expect (a |my )?(full )?(refund|money back) (immediately|now|right now|today|asap)|"
    r"i want (a |my )?(full )?(refund|money back) (immediately|right now|asap)|"
    r"(i('ve| have)? been|waiting|sat|stuck|kept me) on hold for (over |more than |almost |nearly )?"
    r"(\d+|an?|two|three|forty) (minutes|hours)"
)
_OLD_END = r"are you (kidding|serious|joking))\b|!{2,}|\?!|!\?"
_OLD_PATTERN = BEFORE["conditions"]["items"][0]["pattern"]
assert _OLD_PATTERN.endswith(_OLD_END)
PATTERN = _OLD_PATTERN[: -len(_OLD_END)] + r"are you (kidding|serious|joking)|" + MORE + r")\b|!{2,}|\?!|!\?"
AFTER = {**BEFORE, "conditions": {"match": "all", "items": [{"type": "text_matches", "pattern": PATTERN}]}}


def _change(apps, before: dict, after: dict) -> None:
    Rule = apps.get_model("routing", "Rule")
    RuleChange = apps.get_model("routing", "RuleChange")
    rule = Rule.objects.filter(name=NAME).first()
    if rule is None or not ADDED_IN_0003._same(rule, before):
        return
    rule.conditions = after["conditions"]
    rule.save(update_fields=["conditions"])
    RuleChange.objects.create(
        rule=rule,
        rule_name=NAME,
        kind="changed",
        before=ADDED_IN_0003._as_json(rule) | {"conditions": before["conditions"]},
        after=ADDED_IN_0003._as_json(rule),
    )


def forward(apps, schema_editor):
    _change(apps, BEFORE, AFTER)


def backward(apps, schema_editor):
    _change(apps, AFTER, BEFORE)


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0003_frustration_rules"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
