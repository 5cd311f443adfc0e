"""Escalation on frustration, not polarity (issue 14): the shipped rules in existing databases.

The rule "Strongly negative, or negative twice in a row" handed calm reports of a problem to a
person ("my package arrived damaged" reads -0.87) before their flow could run. It is removed
where it is still exactly as shipped; a supervisor who edited it keeps their version (and can
disable it in the admin). The four rules that replace it are added where no rule has their
name. Each change is in the rules' history, by nobody (the migration). The rules are written
out here, not imported from routing/defaults.py, so this migration means the same thing
whatever the defaults become.
"""

from django.db import migrations

FIELDS = ("description", "order", "enabled", "stage", "conditions", "actions", "stop_after")

RETIRED = {
    "name": "Strongly negative, or negative twice in a row",
    "description": "",
    "order": 50,
    "enabled": True,
    "stage": "on_message",
    "conditions": {
        "match": "any",
        "items": [{"type": "sentiment_below", "value": -0.85}, {"type": "negative_streak_at_least", "count": 2}],
    },
    "actions": [{"type": "handoff", "queue": "intent", "trigger": "negative_sentiment"}],
    "stop_after": True,
}

THREATS = (
    r"\b(lawyers?|attorneys?|solicitors?|legal action|sue|suing|sued|lawsuit|court|chargeback|charge back|"
    r"disputing (the|this|my) (charge|payment|transaction)|(going to|gonna|will|i'll) dispute|"
    r"dispute (it|this|the \w+) with|reverse the (payment|charge)|"
    r"(call|contact)(ing)? my bank|credit card company|cancel my (account|subscription|membership) if|"
    r"never (order|buy|shop|use)(ing)? (\w+ )?(again|from you)|(won't|will not|never) (be )?(order|buy|shop)(ing)? "
    r"(here |from you |with you )?again|formal complaint|(file|lodge|make) a complaint|report you|"
    r"consumer (protection|rights)|trading standards|ombudsman|better business bureau|"
    r"(1|one)[- ]star|bad reviews?|business elsewhere|close my account)\b"
)
ANGRY = (
    r"\b(useless|ridiculous|unacceptable|pathetic|hopeless|terrible|awful|horrible|shocking|disgrace(ful)?|"
    r"disgust(ed|ing)|outrageous|shameful|scam|garbage|rubbish|a joke|worst|stupid|incompetent|furious|livid|"
    r"nightmare|disaster|shambles|fed up|sick (and tired )?of|tired of|had enough|enough is enough|last straw|"
    r"losing (my )?patience|end of my (rope|tether)|waste of (my )?(money|time)|wast(ed|ing) my|frustrat(ed|ing)|"
    r"annoying|thanks for nothing|unbelievable|"
    r"(so|really|very|extremely|absolutely) (angry|annoyed|mad|upset)|"
    r"(extremely|very|so|really|deeply|totally|utterly) disappointed|"
    r"(second|third|fourth|fifth|\d+(st|nd|rd|th)) time|(broken|damaged|wrong|late|missing|smashed) again|"
    r"how many times|(already|repeatedly|keep) (told|asked|said|explained|telling|asking)|"
    r"(asked|told you) (\w+ )?(twice|three times)|do you (even )?(read|listen)|ignoring me|"
    r"(nobody|no one) (ever )?(answers|replies|cares|helps|responds)|what is wrong with you|"
    r"are you (kidding|serious|joking))\b|!{2,}|\?!|!\?"
)

FRUSTRATION = {"type": "handoff", "queue": "intent", "trigger": "frustration"}
ADDED = [
    {
        "name": "Threats to leave, dispute or sue",
        "description": "",
        "order": 25,
        "enabled": True,
        "stage": "on_message",
        "conditions": {"match": "all", "items": [{"type": "text_matches", "pattern": THREATS}]},
        "actions": [FRUSTRATION],
        "stop_after": True,
    },
    {
        "name": "A frustrated customer",
        "description": "",
        "order": 35,
        "enabled": True,
        "stage": "on_message",
        "conditions": {
            "match": "all",
            "items": [
                {"type": "frustration_at_least", "value": 0.55},
            ],
        },
        "actions": [FRUSTRATION],
        "stop_after": True,
    },
    {
        "name": "Anger in so many words",
        "description": "",
        "order": 36,
        "enabled": True,
        "stage": "on_message",
        "conditions": {"match": "all", "items": [{"type": "text_matches", "pattern": ANGRY}]},
        "actions": [FRUSTRATION],
        "stop_after": True,
    },
    {
        "name": "Frustration rising",
        "description": "",
        "order": 37,
        "enabled": True,
        "stage": "on_message",
        "conditions": {
            "match": "all",
            "items": [
                {"type": "frustration_rising", "turns": 3, "by": 0.3},
                {"type": "frustration_at_least", "value": 0.45},
            ],
        },
        "actions": [FRUSTRATION],
        "stop_after": True,
    },
]


def _as_json(rule) -> dict:
    return {"name": rule.name, **{field: getattr(rule, field) for field in FIELDS}}


def _same(rule, shipped: dict) -> bool:
    """Untouched since it was shipped (a JSON field saved by the admin reads back equal)."""
    return _as_json(rule) == {"name": shipped["name"], **{field: shipped[field] for field in FIELDS}}


def forward(apps, schema_editor):
    Rule = apps.get_model("routing", "Rule")
    RuleChange = apps.get_model("routing", "RuleChange")
    old = Rule.objects.filter(name=RETIRED["name"]).first()
    if old is not None and _same(old, RETIRED):
        RuleChange.objects.create(rule=None, rule_name=old.name, kind="deleted", before=_as_json(old), after=None)
        old.delete()
    for shipped in ADDED:
        if Rule.objects.filter(name=shipped["name"]).exists():
            continue
        rule = Rule.objects.create(**shipped)
        RuleChange.objects.create(rule=rule, rule_name=rule.name, kind="created", before=None, after=_as_json(rule))


def backward(apps, schema_editor):
    """The frustration rules go where they are still as added; the polarity rule comes back
    where no rule has its name."""
    Rule = apps.get_model("routing", "Rule")
    for shipped in ADDED:
        rule = Rule.objects.filter(name=shipped["name"]).first()
        if rule is not None and _same(rule, shipped):
            rule.delete()
    if not Rule.objects.filter(name=RETIRED["name"]).exists():
        Rule.objects.create(**RETIRED)


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0002_rule_firing"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
