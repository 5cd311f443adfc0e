"""python manage.py seed_demo --password <pw>: the demo desk, idempotently (chat-protocol.md §4)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from helpdesk.infrastructure import events
from helpdesk.management.demo_content import seed_canned_replies, seed_orders_and_articles
from helpdesk.models import AgentProfile, Customer, CustomerTier, Queue

QUEUES = [
    ("General", "Everything that has no better home", 0),
    ("Billing", "Charges, refunds and disputes", 2),
    ("Returns", "Damaged items and returns", 1),
    ("Retention", "Cancellations and plan changes", 1),
    ("Security", "Locked accounts and fraud", 3),
    ("Tech", "Technical problems", 1),
]
AGENTS = [
    ("agent_general", "Grace", "General"),
    ("agent_billing", "Ben", "Billing"),
    ("agent_returns", "Rosa", "Returns"),
    ("agent_retention", "Tom", "Retention"),
    ("agent_security", "Sam", "Security"),
    ("agent_tech", "Tariq", "Tech"),
]
CUSTOMERS = [
    ("vip@example.com", "Vera Important", CustomerTier.VIP),
    ("enterprise@example.com", "Erin Enterprise", CustomerTier.ENTERPRISE),
]


class Command(BaseCommand):
    help = "Create the demo queues, agents, supervisor and customers (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", required=True, help="Password for every demo account.")

    @transaction.atomic
    def handle(self, *args, password: str, **options) -> None:
        queues = {}
        for name, description, priority in QUEUES:
            queue, _ = Queue.objects.update_or_create(
                name=name,
                defaults={
                    "description": description,
                    "priority": priority,
                    "is_default": name == settings.HELPDESK_DEFAULT_QUEUE,
                    "skills": [name.lower()],
                },
            )
            queues[name] = queue
        for username, display_name, queue_name in AGENTS:
            profile = self._account(username, password, display_name, staff=False)
            profile.queues.set([queues[queue_name]])
        supervisor = self._account("supervisor", password, "Sofia (supervisor)", staff=True)
        supervisor.is_supervisor = True
        supervisor.save(update_fields=["is_supervisor"])
        supervisor.queues.set(queues.values())
        for email, name, tier in CUSTOMERS:
            Customer.objects.update_or_create(email=email, defaults={"name": name, "tier": tier})
        orders, articles = seed_orders_and_articles()
        seed_canned_replies()
        self.stdout.write(f"  demo orders: {orders}; knowledge-base articles: {articles}")
        # The bot's knowledge and the rules live in higher apps: they seed on this event.
        events.ask("demo.seeding", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write("  agents: " + ", ".join(a[0] for a in AGENTS) + "; supervisor: supervisor")

    def _account(self, username: str, password: str, display_name: str, *, staff: bool) -> AgentProfile:
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username=username)
        user.is_staff = staff
        user.is_superuser = staff
        user.is_active = True
        user.set_password(password)
        user.save()
        profile, _ = AgentProfile.objects.update_or_create(
            user=user, defaults={"display_name": display_name, "max_concurrent_chats": 3}
        )
        return profile
