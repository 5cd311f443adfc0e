"""The rule set the product ships with: the hybrid model in rules a supervisor can read.

Escalation follows the customer's frustration, not the polarity of their words: "my package
arrived damaged" is a sad situation calmly reported (sentiment −0.87) and goes to its flow,
which collects what the agent will need; "this is useless, third time" goes to a person. Why
these numbers: docs/routing.md, "Frustration, not polarity".
"""

from __future__ import annotations

EXPLICIT = (
    r"\b(agent|human|person|representative|operator|real person|live (chat|support|agent)|"
    r"talk to (a|an|some)one|speak (to|with) (a|an|some)one|"
    # "customer service" alone is often a question about it ("when is customer service open?")
    r"(talk|speak|chat|connect me|put me through) (to|with) (your )?customer service|"
    r"customer service,? (please|now|pls))\b"
)
# Threats to leave, dispute or sue: the frustration head reads them calm ("I'll be contacting my
# lawyer" 0.01), so they are read as words, as the explicit request is.
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
# Said in anger beside a concrete problem, which the head can read as a calm report ("wtf, the
# mixer is dead on arrival", "I demand a replacement", "sort it out"): swearing, ultimatums,
# demands and long holds. None of the calm support examples in bots/seed/frustration_support.json
# (nor the calm ones of commit d55ab5b) says any of it; 26 frustrated ones the old words missed do.
ANGRY_MORE = (
    r"wtf|wth|ffs|f+u+c+k\w*|bullshit|crap|bloody hell|screw (you|this)|piss(ed)? off|"
    r"sort (it|this|yourselves) out|get your act together|this is the last time|"
    r"last time i (order|buy|shop|use)|i demand|"
    r"i expect (a |my )?(full )?(refund|money back) (immediately|now|right now|today|asap)|"
    r"i want (a |my )?(full )?(refund|money back) (immediately|right now|asap)|"
    r"(i('ve| have)? been|waiting|sat|stuck|kept me) on hold for (over |more than |almost |nearly )?"
    r"(\d+|an?|two|three|forty) (minutes|hours)"
)
# Anger in so many words, and the same failure again. The frustration head hears much of this
# but not all ("THIS IS THE THIRD TIME, your useless company..." reads 0.37); these words are
# rare in calm reports of a problem, which is what matters here.
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
    r"are you (kidding|serious|joking)|" + ANGRY_MORE + r")\b|!{2,}|\?!|!\?"
    # swearing, ultimatums, demands and long holds (routing/migrations/0004_anger_in_more_words.py)
)
# A handover on the head alone. Since the frustration head learned from support-style examples
# too (bots/ml/train_emotions.py), short answers no longer read as frustrated ("no" 0.39, "that
# did not work" 0.17): the annoyance the first rules also asked for is gone, since the
# annoyance head (GoEmotions only) read most angry customers below 0.1. On the customer dev
# set: 84 % of frustrated messages read 0.5 or more, 6.7 % of neutral ones do (docs/model.md).
FRUSTRATED = 0.55


def _handoff(queue: str, trigger: str, priority: str | None = None) -> dict:
    action = {"type": "handoff", "queue": queue, "trigger": trigger}
    if priority:
        action["priority"] = priority
    return action


DEFAULT_RULES: list[dict] = [
    {
        "name": "Fraud and hacked accounts are urgent",
        "order": 10,
        "stage": "on_message",
        "conditions": {"match": "all", "items": [{"type": "intent_in", "intents": ["security_fraud"]}]},
        "actions": [_handoff("Security", "topic_rule", "urgent")],
        "stop_after": True,
    },
    {
        "name": "A plain request for a person",
        "order": 20,
        "stage": "on_message",
        "conditions": {
            "match": "any",
            "items": [
                {"type": "intent_in", "intents": ["talk_to_human"]},
                {"type": "text_matches", "pattern": EXPLICIT},
            ],
        },
        "actions": [_handoff("intent", "explicit_request")],
        "stop_after": True,
    },
    {
        "name": "Threats to leave, dispute or sue",
        "order": 25,
        "stage": "on_message",
        "conditions": {"match": "all", "items": [{"type": "text_matches", "pattern": THREATS}]},
        "actions": [_handoff("intent", "negative_sentiment")],
        "stop_after": True,
    },
    {
        "name": "Repeat contact skips the bot",
        "order": 30,
        "stage": "on_message",
        "conditions": {"match": "all", "items": [{"type": "recent_conversations_at_least", "days": 7, "count": 3}]},
        "actions": [_handoff("intent", "repeat_contact")],
        "stop_after": True,
    },
    {
        "name": "Topics that need a human",
        "order": 40,
        "stage": "on_message",
        "conditions": {
            "match": "all",
            "items": [
                {
                    "type": "intent_in",
                    "intents": ["billing_dispute", "cancel_subscription", "complaint", "legal_privacy"],
                }
            ],
        },
        "actions": [_handoff("intent", "topic_rule")],
        "stop_after": True,
    },
    {
        "name": "A frustrated customer",
        "order": 35,
        "stage": "on_message",
        "conditions": {
            "match": "all",
            "items": [
                {"type": "frustration_at_least", "value": FRUSTRATED},
            ],
        },
        "actions": [_handoff("intent", "negative_sentiment")],
        "stop_after": True,
    },
    {
        "name": "Anger in so many words",
        "order": 36,
        "stage": "on_message",
        "conditions": {"match": "all", "items": [{"type": "text_matches", "pattern": ANGRY}]},
        "actions": [_handoff("intent", "negative_sentiment")],
        "stop_after": True,
    },
    {
        "name": "Frustration rising",
        "order": 37,
        "stage": "on_message",
        "conditions": {
            "match": "all",
            "items": [
                {"type": "frustration_rising", "turns": 3, "by": 0.3},
                {"type": "frustration_at_least", "value": 0.45},
            ],
        },
        "actions": [_handoff("intent", "negative_sentiment")],
        "stop_after": True,
    },
    {
        "name": "Three turns the bot could not handle",
        "order": 60,
        "stage": "on_message",
        "conditions": {"match": "all", "items": [{"type": "bot_failures_at_least", "count": 3}]},
        "actions": [_handoff("General", "bot_failure")],
        "stop_after": True,
    },
    {
        "name": "Repeated low confidence",
        "order": 55,
        "stage": "on_message",
        "conditions": {
            "match": "all",
            "items": [{"type": "confidence_below", "value": 0.35}, {"type": "bot_failures_at_least", "count": 2}],
        },
        "actions": [_handoff("General", "low_confidence")],
        "stop_after": True,
    },
    {
        "name": "VIP and enterprise customers first",
        "order": 10,
        "stage": "on_handoff",
        "conditions": {"match": "all", "items": [{"type": "tier_in", "tiers": ["vip", "enterprise"]}]},
        "actions": [{"type": "set_priority", "priority": "high"}],
        "stop_after": False,
    },
]
