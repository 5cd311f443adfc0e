"""The desk right now (/analytics/live/): each queue's line and wait estimate, each agent's
presence and load, and the conversations at risk.

Read in six queries whatever the size of the desk (tests/test_live_board.py counts them): the
page reads it again on every "desk.changed" frame, so its cost must not grow with the desk's
history. Figures are the kernel's own: the wait estimate is `wait_estimate`, the one the
customer's handoff message quotes (helpdesk/selectors/queues.py), over the same typical handle
time and online capacity, read here for every queue at once; "frustrated" is the shipped
rule's threshold (routing/defaults.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import DurationField, ExpressionWrapper, F, OuterRef, Subquery, Window
from django.db.models.fields.json import KT
from django.db.models.functions import RowNumber
from django.utils import timezone

from helpdesk.infrastructure import presence as sockets
from helpdesk.models import (
    AgentProfile,
    ArticleStatus,
    Conversation,
    ConversationStatus,
    KnowledgeAnswer,
    Message,
    Presence,
    Queue,
)
from helpdesk.selectors.queues import handle_seconds_of, wait_estimate
from routing.defaults import FRUSTRATED

HANDLE_SAMPLE = 20  # as typical_handle_seconds: a queue's last 20 resolved chats
STALE_TRIGGER = "stale_article"  # the handoff trigger of a question an overdue article answers


@dataclass
class QueueLine:
    id: int
    name: str
    waiting: int = 0
    oldest_queued_at: datetime | None = None
    longest_wait_seconds: int | None = None
    estimate_seconds: int = 0  # what a customer joining the line now is told
    agents_online: int = 0
    capacity: int = 0
    free: int = 0


@dataclass
class AgentLoad:
    user_id: int
    name: str
    presence: str
    unseen: bool  # online in the database, but no socket of theirs seen lately: routing skips them
    held: int
    capacity: int
    queues: list[str]
    is_supervisor: bool

    @property
    def load_percent(self) -> int | None:
        return round(100 * self.held / self.capacity) if self.capacity else None

    @property
    def full(self) -> bool:
        return self.held >= self.capacity


@dataclass
class AtRisk:
    id: str
    customer: str
    status: str
    queue: str | None
    agent: str | None
    since: datetime | None  # queued since (waiting) or assigned since (with an agent)
    frustration: float | None
    reasons: list[str] = field(default_factory=list)


@dataclass
class Board:
    at: datetime
    queues: list[QueueLine]
    agents: list[AgentLoad]
    at_risk: list[AtRisk]

    @property
    def waiting(self) -> int:
        return sum(q.waiting for q in self.queues)

    def count(self, presence: str) -> int:
        return sum(1 for a in self.agents if a.presence == presence and not a.unseen)


def desk_board(now: datetime | None = None) -> Board:
    now = now or timezone.now()
    queues = list(Queue.objects.order_by("name"))
    active = _active_conversations()
    profiles = list(AgentProfile.objects.filter(user__is_active=True).select_related("user").order_by("display_name"))
    works: dict[int, list[int]] = defaultdict(list)
    for profile_id, queue_id in AgentProfile.queues.through.objects.values_list("agentprofile_id", "queue_id"):
        works[profile_id].append(queue_id)
    handle_times = _handle_times()
    stale_articles = _stale_answers()

    held: dict[int, int] = defaultdict(int)
    lines = {q.pk: QueueLine(id=q.pk, name=q.name) for q in queues}
    for c in active:
        if c.status == ConversationStatus.ASSIGNED and c.agent_id:
            held[c.agent_id] += 1
        elif c.status == ConversationStatus.QUEUED and c.queue_id in lines:
            line = lines[c.queue_id]
            line.waiting += 1
            if c.queued_at and (line.oldest_queued_at is None or c.queued_at < line.oldest_queued_at):
                line.oldest_queued_at = c.queued_at

    present = [p.user_id for p in profiles if p.presence != Presence.OFFLINE]
    unseen = sockets.stale_users(present)  # their process died with their sockets open
    names = {q.pk: q.name for q in queues}
    agents = []
    for p in profiles:
        agents.append(
            AgentLoad(
                user_id=p.user_id,
                name=p.display_name,
                presence=p.presence,
                unseen=p.user_id in unseen,
                held=held[p.user_id],
                capacity=p.max_concurrent_chats,
                queues=sorted(names[q] for q in works[p.pk] if q in names),
                is_supervisor=p.is_supervisor,
            )
        )
        if p.presence == Presence.ONLINE and p.user_id not in unseen:
            # As online_capacity: who could take a chat from each queue they work.
            for queue_id in works[p.pk]:
                if queue_id in lines:
                    lines[queue_id].agents_online += 1
                    lines[queue_id].capacity += p.max_concurrent_chats
                    lines[queue_id].free += max(0, p.max_concurrent_chats - held[p.user_id])

    for line in lines.values():
        if line.oldest_queued_at is not None:
            line.longest_wait_seconds = max(0, int((now - line.oldest_queued_at).total_seconds()))
        online = (line.agents_online, line.capacity, line.free)
        line.estimate_seconds = wait_estimate(handle_seconds_of(handle_times[line.id]), online, line.waiting + 1)

    return Board(
        at=now,
        queues=list(lines.values()),
        agents=agents,
        at_risk=_at_risk(active, stale_articles, {q.pk: q for q in queues}, now),
    )


def _active_conversations() -> list[Conversation]:
    """Every conversation waiting or with an agent, with the frustration the model read in its
    customer's latest message (the packet's `frustration`)."""
    latest = (
        Message.objects.filter(conversation=OuterRef("pk"), sender="customer")
        .order_by("-id")
        .values(reading=KT("data__prediction__frustration"))[:1]
    )
    return list(
        Conversation.objects.filter(status__in=(ConversationStatus.QUEUED, ConversationStatus.ASSIGNED))
        .select_related("customer", "agent__agent")
        .annotate(latest_frustration=Subquery(latest))
        .order_by("queued_at", "created_at")
    )


def _handle_times() -> dict[int, list[timedelta | None]]:
    """Each queue's last HANDLE_SAMPLE handle times (accepted -> resolved), newest first, in one
    query: typical_handle_seconds for every queue at once."""
    took = ExpressionWrapper(F("resolved_at") - F("first_assigned_at"), output_field=DurationField())
    rows = (
        Conversation.objects.filter(queue__isnull=False, resolved_at__isnull=False, first_assigned_at__isnull=False)
        .annotate(
            took=took,
            rank=Window(RowNumber(), partition_by=[F("queue_id")], order_by=F("resolved_at").desc()),
        )
        .filter(rank__lte=HANDLE_SAMPLE)
        .values_list("queue_id", "took")
    )
    times: dict[int, list[timedelta | None]] = defaultdict(list)
    for queue_id, value in rows:
        times[queue_id].append(value)
    return times


def _stale_answers() -> dict[str, str]:
    """Conversation id -> the title of an article past its review date that the bot answered
    it from. Overdue is the article's own rule (`is_overdue`), read in Python: one query."""
    rows = (
        KnowledgeAnswer.objects.filter(
            conversation__status__in=(ConversationStatus.QUEUED, ConversationStatus.ASSIGNED),
            article__status=ArticleStatus.PUBLISHED,
        )
        .select_related("article")
        .only("conversation_id", "article__title", "article__last_reviewed_at", "article__review_interval_days")
        .order_by("id")
    )
    now = timezone.now()
    return {str(r.conversation_id): r.article.title for r in rows if r.article.is_overdue(now)}


def _at_risk(
    active: list[Conversation], stale: dict[str, str], queues: dict[int, Queue], now: datetime
) -> list[AtRisk]:
    found = []
    for c in active:
        reasons = []
        frustration = _number(c.latest_frustration)
        if frustration is not None and frustration >= FRUSTRATED:
            reasons.append(f"Frustrated: the latest message reads {frustration:.2f} (at risk from {FRUSTRATED:.2f})")
        queue = queues.get(c.queue_id)
        if c.status == ConversationStatus.QUEUED and c.queued_at and queue is not None:
            waited = (now - c.queued_at).total_seconds()
            if waited >= queue.callback_after_seconds:
                reasons.append(
                    f"Long wait: {_minutes(waited)} in line, past the {_minutes(queue.callback_after_seconds)} "
                    "after which the desk offers a callback"
                )
        if str(c.pk) in stale:
            reasons.append(f"Stale article: answered from “{stale[str(c.pk)]}”, past its review date")
        elif c.handoff_trigger == STALE_TRIGGER:
            reasons.append("Stale article: the article for the question is past its review date")
        if not reasons:
            continue
        agent = getattr(c.agent, "agent", None) if c.agent_id else None
        found.append(
            AtRisk(
                id=str(c.pk),
                customer=c.customer.display_name,
                status=c.status,
                queue=queue.name if queue is not None else None,
                agent=agent.display_name if agent else None,
                since=c.queued_at if c.status == ConversationStatus.QUEUED else c.assigned_at,
                frustration=frustration,
                reasons=reasons,
            )
        )
    found.sort(key=lambda r: (-len(r.reasons), r.since or now))
    return found


def _number(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
