"""Handoff triggers as metrics.md names them (`escalation_by_trigger`): the conversations already
handed over for frustration are recorded as `negative_sentiment`, and those the fail-open bound
handed over (the bot did not answer in time) as `bot_failure`, as new handoffs are from now on
(routing's 0005 renames the rules' trigger). The event log is append-only and keeps the words
each handoff was made with."""

from django.db import migrations

RENAMED = {"frustration": "negative_sentiment", "bot_unavailable": "bot_failure"}


def forward(apps, schema_editor):
    Conversation = apps.get_model("helpdesk", "Conversation")
    for old, new in RENAMED.items():
        Conversation.objects.filter(handoff_trigger=old).update(handoff_trigger=new)


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0009_conversation_search"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
