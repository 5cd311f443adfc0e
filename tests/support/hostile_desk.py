"""A desk full of hostile text, for tests/browser/test_markup_is_text.py.

Every place a customer, an agent or a supervisor can put words that other people's pages show
gets one of the payloads below: names, message bodies, notes, quick replies, the handoff packet,
predictions, articles and their history, canned replies, queue names, routing rules and their
audit trail, orders the bot reads out. `seed()` runs in a `manage.py shell` against the browser
test's own database copy, before daphne starts, and prints what the test needs as one JSON line.
"""

from __future__ import annotations

import json

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
# No spaces, so it survives as a whole where only a first name is echoed ("Hi <name>!").
SVG = '"><svg/onload=alert(3)>'
JS_URL = "javascript:alert(4)"
TEMPLATE = "{{ 7|add:7 }} {% now 'Y' %} ${alert(6)} #{7}"
# Close to the 4,000-character message limit.
LONG = ("<img src=x onerror=alert(5)>" * 150)[:3990]

PASSWORD = "demo-pass-123"
SUPERVISOR = "xss_supervisor"
AGENT_NAME = f"Agent {IMG}"
QUEUE = f"Team {SVG}"
CUSTOMER_NAME = f"{SVG} Dana"
CUSTOMER_EMAIL = "hostile@example.com"
INTENT = f"intent {SCRIPT}"
TRIGGER = f"trigger {SVG}"
SUMMARY = f"Summary {IMG} {TEMPLATE}"
COLLECTED = {f"Box {IMG}": SCRIPT, "damage": f"{SVG} {TEMPLATE}"}
TAGS = [SCRIPT, JS_URL]
NOTE = f"Note {SCRIPT}"
OPTIONS = [{"label": f"Yes {IMG}", "value": "yes"}, {"label": JS_URL, "value": JS_URL}]
BOT_ECHO = f"I've noted your name {SVG} and your box {SCRIPT}."
AGENT_REPLY = f"Agent says {SVG} {TEMPLATE}"

SHIPPING_TITLE = f"Shipping {SCRIPT}"
# Markdown: the bot turns https links into "text (url)" and drops tags; a javascript: link stays text.
SHIPPING_BODY = (
    f'{IMG} Parcels leave within 2 days. [Track it]({JS_URL}) <a href="{JS_URL}">here</a> {TEMPLATE}\n\n'
    f"Second paragraph {SCRIPT}"
)
ARTICLE_TITLE = f"Article {IMG}"
ARTICLE_BODY = f"{SVG} Replace the part. {TEMPLATE}\n\nSecond paragraph {SCRIPT}"
OLD_TITLE = f"Old title {SCRIPT}"
OLD_BODY = f"Old body {IMG}"
CANNED_TITLE = f"Canned {SCRIPT}"
CANNED_BODY = f"Sorry {IMG} {TEMPLATE}"
GAP = f"Gap {IMG} {TEMPLATE}"
CORRECT_INTENT = f"right {IMG}"

RULE_NAME = f"Rule {SVG}"
RULE_DESCRIPTION = f"{IMG} {TEMPLATE}"
RULE_NOTICE = f"Heads up {SVG}"
RULE = {
    "name": RULE_NAME,
    "description": RULE_DESCRIPTION,
    "order": 1,
    "enabled": True,
    "stage": "on_message",
    "conditions": {
        "match": "any",
        "items": [
            {"type": "text_contains", "words": [IMG, SCRIPT]},
            {"type": "page_url_contains", "text": JS_URL},
        ],
    },
    "actions": [{"type": "add_tag", "tag": SCRIPT}, {"type": "notify_supervisors", "message": RULE_NOTICE}],
    "stop_after": False,
}

ORDER_NUMBER = "H-9001"
CARRIER = IMG
TRACKING_NUMBER = SCRIPT
TRACKING_URL = JS_URL


def seed() -> dict:
    """Create the hostile desk. Domain events are switched off while seeding: the bot must not
    answer the seeded messages, and routing must not assign anything before the test looks."""
    from django.test import override_settings

    with override_settings(HELPDESK_EVENT_SUBSCRIBERS={}, HELPDESK_TASK_MODE="sync"):
        return _seed()


def _seed() -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bots.models import ModelVersion
    from helpdesk.models import (
        AgentProfile,
        Article,
        ArticleStatus,
        ArticleVersion,
        BotRating,
        CannedReply,
        Conversation,
        KnowledgeBaseSettings,
        KnowledgeGap,
        Order,
        OrderStatus,
        Queue,
    )
    from helpdesk.services.claims import conversation_accept
    from helpdesk.services.conversations import conversation_start
    from helpdesk.services.handoff import conversation_handoff
    from helpdesk.services.kb import kb_index_bump
    from helpdesk.services.messages import agent_reply_post, bot_say, customer_message_post, note_post
    from routing.models import Rule, RuleChange
    from routing.services import rules_import

    now = timezone.now()
    # Not auto-assigned: the seeded waiting conversation stays in Waiting until the test looks.
    # No requeue from an offline agent: the supervisor's inbox session (supervisor_state) closes
    # long before the markup tests open the chat it holds, and after the default 120 s the sweep
    # would put that chat back in line, announcing it, in the middle of the checks.
    queue = Queue.objects.create(
        name=QUEUE, description=f"{IMG} {TEMPLATE}", auto_assign=False, offline_requeue_seconds=None
    )
    user = get_user_model().objects.create_user(
        username=SUPERVISOR, password=PASSWORD, is_staff=True, is_superuser=True, email="boss@example.com"
    )
    profile = AgentProfile.objects.create(
        user=user, display_name=AGENT_NAME, max_concurrent_chats=20, is_supervisor=True
    )
    profile.queues.set([queue])

    # The knowledge base: the bot's shipping answer, an article and a canned reply for agent
    # assist, an article's edit history, a question the bot could not place.
    # Ours are the only published articles, and the bot answers from the best one however
    # weak the match: the shipping question is answered from the hostile shipping article
    # (how the search ranks real help centres is bench/kb_retrieval.py's to measure).
    Article.objects.filter(status=ArticleStatus.PUBLISHED).update(status=ArticleStatus.DRAFT)
    KnowledgeBaseSettings.objects.update_or_create(pk=1, defaults={"answer_at": 0.0, "lead": 0.0})
    kb_index_bump()  # a server that already loaded the index reads it again
    Article.objects.create(
        title=SHIPPING_TITLE,
        body=SHIPPING_BODY,
        intents=["shipping_info"],
        status=ArticleStatus.PUBLISHED,
        last_reviewed_at=now,
    )
    article = Article.objects.create(
        title=ARTICLE_TITLE,
        body=ARTICLE_BODY,
        intents=[INTENT],
        owner_team=queue,
        status=ArticleStatus.PUBLISHED,
        last_reviewed_at=now,
    )
    ArticleVersion.objects.create(article=article, title=OLD_TITLE, body=OLD_BODY, edited_by=user)
    ArticleVersion.objects.create(article=article, title=ARTICLE_TITLE, body=ARTICLE_BODY, edited_by=user)
    CannedReply.objects.create(title=CANNED_TITLE, body=CANNED_BODY, intents=[])
    KnowledgeGap.objects.create(key="hostile:gap", example=GAP, guessed_intent=INTENT[:60], reason="out_of_scope")
    Order.objects.create(
        number=ORDER_NUMBER,
        status=OrderStatus.SHIPPED,
        carrier=CARRIER,
        tracking_number=TRACKING_NUMBER,
        tracking_url=TRACKING_URL,
    )
    rules_import([RULE], who=user, kind="created")

    # A conversation waiting in the hostile queue, with everything the handoff packet shows.
    waiting, _ = conversation_start(name=CUSTOMER_NAME, email=CUSTOMER_EMAIL, page_url=JS_URL)
    version = ModelVersion.objects.filter(kind="intent", active=True).first()
    prediction = {
        "intent": INTENT,
        "intent_confidence": 0.5,
        "top_intents": [[INTENT, 0.5]],
        "out_of_scope_reason": None,
        "sentiment": f"negative {SCRIPT}",
        "sentiment_score": -0.5,
        "model_version": str(version.pk) if version else "",
    }
    first, _ = customer_message_post(conversation_id=waiting.pk, body=IMG, data={"prediction": prediction})
    if version is not None:
        first.predictions.create(
            model_version=version, intent=INTENT[:60], intent_confidence=0.5, sentiment="negative", sentiment_score=-0.5
        )
    bot_say(conversation_id=waiting.pk, body=BOT_ECHO, options=OPTIONS)
    customer_message_post(conversation_id=waiting.pk, body=TEMPLATE)
    customer_message_post(conversation_id=waiting.pk, body=LONG)
    note_post(conversation_id=waiting.pk, author=user, author_name=AGENT_NAME, body=NOTE)
    Conversation.objects.filter(pk=waiting.pk).update(
        intent=INTENT,
        first_intent=INTENT,
        intent_confidence=0.5,
        sentiment="negative",
        sentiment_score=-0.5,
        summary=SUMMARY,
        collected=COLLECTED,
        tags=TAGS,
    )
    conversation_handoff(conversation_id=waiting.pk, queue=queue, trigger=TRIGGER)
    BotRating.objects.create(
        conversation=waiting, agent=user, helpful=False, predicted_intent=INTENT[:60], correct_intent=CORRECT_INTENT
    )

    # The same customer's chat, now with the hostile agent: what the chat page replays.
    chat, token = conversation_start(name=CUSTOMER_NAME, email=CUSTOMER_EMAIL)
    customer_message_post(conversation_id=chat.pk, body=IMG)
    customer_message_post(conversation_id=chat.pk, body=TEMPLATE)
    customer_message_post(conversation_id=chat.pk, body=LONG)
    bot_say(conversation_id=chat.pk, body=BOT_ECHO, options=OPTIONS)
    Conversation.objects.filter(pk=chat.pk).update(intent="order_status", first_intent="order_status")
    conversation_handoff(conversation_id=chat.pk, queue=queue, trigger=TRIGGER)
    conversation_accept(conversation_id=chat.pk, agent_user_id=user.pk)
    agent_reply_post(conversation_id=chat.pk, author=user, author_name=AGENT_NAME, body=AGENT_REPLY)

    audit_entry = _audit_entry(user)
    return {
        "waiting": str(waiting.pk),
        "chat": str(chat.pk),
        "chat_token": token,
        "customer": waiting.customer_id,
        "article": article.pk,
        "rule": Rule.objects.get(name=RULE_NAME).pk,
        "rule_change": RuleChange.objects.filter(rule_name=RULE_NAME).latest("at").pk,
        "audit_entry": audit_entry,
    }


def _audit_entry(user) -> int | None:
    """An audit-log row with hostile text, where this build has an audit log."""
    from django.apps import apps
    from django.db import DatabaseError, transaction

    try:
        model = apps.get_model("helpdesk", "AuditEntry")
    except LookupError:
        return None
    try:
        with transaction.atomic():
            entry = model.objects.create(
                actor=user,
                actor_name=user.get_username(),
                action="change",
                object_type="helpdesk.article",
                object_id="1",
                object_repr=ARTICLE_TITLE,
                changes={"title": [OLD_TITLE, ARTICLE_TITLE]},
                note=RULE_NOTICE,
            )
    except (DatabaseError, TypeError):  # an audit log still being built: nothing to show
        return None
    return entry.pk


def main() -> None:
    print(json.dumps(seed()))
