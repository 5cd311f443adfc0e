"""The live desk (/analytics/live/): who may see it, what it shows for a small desk, its fixed
query count, and the "desk.changed" frame that keeps it live over the agent socket."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from analytics.live import desk_board
from config.asgi import application
from helpdesk.infrastructure import realtime
from helpdesk.models import (
    AgentProfile,
    Article,
    ArticleStatus,
    Conversation,
    KnowledgeAnswer,
    Message,
    Presence,
    Queue,
)
from helpdesk.selectors.queues import queue_wait_estimate
from helpdesk.services.claims import conversation_accept
from helpdesk.services.conversations import conversation_start
from helpdesk.services.handoff import conversation_handoff, conversation_request_handoff
from helpdesk.services.messages import customer_message_post
from tests.support.people import make_agent
from tests.support.sockets import agent_socket, drain, frames_until, of_type

pytestmark = pytest.mark.django_db(transaction=True)

BOARD_QUERIES = 6


def waiting(queue: Queue, name: str, *, waited: int = 0) -> Conversation:
    """A customer in `queue`'s line for `waited` seconds."""
    conversation, _ = conversation_start(name=name)
    assert conversation_handoff(conversation_id=conversation.pk, queue=queue, trigger="explicit_request")
    Conversation.objects.filter(pk=conversation.pk).update(queued_at=timezone.now() - timedelta(seconds=waited))
    return Conversation.objects.get(pk=conversation.pk)


def set_presence(profile: AgentProfile, presence: str) -> None:
    AgentProfile.objects.filter(pk=profile.pk).update(presence=presence)


@pytest.fixture
def desk(queues, agent, teammate, supervisor) -> dict:
    """General: Ann waiting 700 s (past the 600 s callback point), Ben just now and answered by
    the bot from an article past its review; Cy held by Grace and frustrated. Billing: Dee,
    calm, just now. Grace online (1 of 3), Tom away, Sofia (supervisor) offline."""
    general, billing = queues["General"], queues["Billing"]
    ann = waiting(general, "Ann", waited=700)
    ben = waiting(general, "Ben")
    cy = waiting(general, "Cy")
    conversation_accept(conversation_id=cy.pk, agent_user_id=agent.user_id)
    message, _ = customer_message_post(conversation_id=cy.pk, body="this is the third time I ask")
    # The model's reading, as the emotion head stores it on the message (the packet's `frustration`).
    Message.objects.filter(pk=message.pk).update(data={"prediction": {"frustration": 0.81, "sentiment": "negative"}})
    dee = waiting(billing, "Dee")
    stale = Article.objects.create(
        title="Returns window",
        body="30 days.",
        status=ArticleStatus.PUBLISHED,
        review_interval_days=90,
        last_reviewed_at=timezone.now() - timedelta(days=200),
    )
    KnowledgeAnswer.objects.create(
        conversation=ben, question="how long to return?", article=stale, score=0.9, kind="answer"
    )
    set_presence(agent, Presence.ONLINE)
    set_presence(teammate, Presence.AWAY)
    set_presence(supervisor, Presence.OFFLINE)
    return {"ann": ann, "ben": ben, "cy": cy, "dee": dee, "general": general, "billing": billing}


class _Board(HTMLParser):
    """The page's headings, table rows ({data-queue / data-agent / data-conversation: cells'
    text}) and links."""

    def __init__(self) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.rows: dict[str, list[str]] = {}
        self.links: list[str] = []
        self.scripts: list[dict] = []
        self._row: str | None = None
        self._cell: list[str] | None = None
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "h1":
            self._in_h1 = True
            self.h1.append("")
        if tag == "script":
            self.scripts.append(a)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "tr":
            key = a.get("data-queue") or a.get("data-agent") or a.get("data-conversation")
            self._row = key
            if key:
                self.rows[key] = []
        if tag in ("td", "th") and self._row:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False
        if tag in ("td", "th") and self._row and self._cell is not None:
            self.rows[self._row].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1[-1] += data
        if self._cell is not None:
            self._cell.append(data)


def read_page(client, path: str = "/analytics/live/") -> _Board:
    answer = client.get(path)
    assert answer.status_code == 200
    parser = _Board()
    parser.feed(answer.content.decode())
    return parser


# --- who may see it ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/analytics/live/", "/analytics/live/board/"])
def test_supervisors_see_the_desk_agents_are_refused_strangers_sign_in(client, supervisor, agent, path) -> None:
    assert client.get(path).status_code == 302
    assert client.get(path)["Location"].startswith("/login/")
    client.force_login(agent.user)
    assert client.get(path).status_code == 403
    client.force_login(supervisor.user)
    assert client.get(path).status_code == 200


def test_the_staff_nav_leads_to_the_live_desk(client, supervisor) -> None:
    client.force_login(supervisor.user)
    assert "/analytics/live/" in read_page(client, "/analytics/").links


# --- what it shows -------------------------------------------------------------------------


def test_a_small_desk_in_figures(desk, agent, teammate, supervisor) -> None:
    board = desk_board()
    lines = {q.name: q for q in board.queues}
    general, billing = lines["General"], lines["Billing"]
    assert (general.waiting, billing.waiting, lines["Tech"].waiting) == (2, 1, 0)
    assert 700 <= general.longest_wait_seconds < 760
    assert billing.longest_wait_seconds < 60 and lines["Tech"].longest_wait_seconds is None
    # Grace is the only one online for General: 3 slots, one taken.
    assert (general.agents_online, general.capacity, general.free) == (1, 3, 2)
    assert (billing.agents_online, billing.free) == (0, 0)
    # The figure a customer joining the line would be told in the handoff message.
    for line in (general, billing):
        assert line.estimate_seconds == queue_wait_estimate(Queue.objects.get(pk=line.id), line.waiting + 1)
    agents = {a.name: a for a in board.agents}
    assert (agents["Grace"].presence, agents["Grace"].held, agents["Grace"].capacity) == ("online", 1, 3)
    assert (agents["Tom"].presence, agents["Tom"].held) == ("away", 0)
    assert agents["Sofia"].presence == "offline" and agents["Sofia"].is_supervisor
    assert (board.waiting, board.count("online"), board.count("away"), board.count("offline")) == (3, 1, 1, 1)


def test_the_conversations_at_risk_and_why(desk) -> None:
    at_risk = {r.customer: r for r in desk_board().at_risk}
    assert set(at_risk) == {"Ann", "Ben", "Cy"}  # Dee waits calmly, not long
    assert [r.split(":")[0] for r in at_risk["Ann"].reasons] == ["Long wait"]
    assert [r.split(":")[0] for r in at_risk["Ben"].reasons] == ["Stale article"]
    assert "Returns window" in at_risk["Ben"].reasons[0]
    assert [r.split(":")[0] for r in at_risk["Cy"].reasons] == ["Frustrated"]
    assert at_risk["Cy"].frustration == pytest.approx(0.81) and at_risk["Cy"].agent == "Grace"


def test_the_page_shows_the_board_as_text_in_tables(client, desk, supervisor) -> None:
    client.force_login(supervisor.user)
    page = read_page(client)
    assert page.h1 == ["The desk right now"]
    assert page.rows["General"][:2] == ["General", "2"]
    assert page.rows["Grace"][1:3] == ["Online", "1 of 3 (33.3%)"]
    assert page.rows["Tom"][1] == "Away" and page.rows["Sofia"][:2] == ["Sofia (supervisor)", "Offline"]
    for who in ("ann", "ben", "cy"):
        assert f"/inbox/#conversation={desk[who].pk}" in page.links
    assert f"/inbox/#conversation={desk['dee'].pk}" not in page.links
    assert page.rows[str(desk["cy"].pk)][1] == "With Grace (General)"
    # One module from our own static files, nothing inline (the CSP allows nothing else).
    assert page.scripts == [{"type": "module", "src": "/static/js/live.js"}]
    # The fragment live.js reads is the same board.
    fragment = read_page(client, "/analytics/live/board/")
    assert fragment.rows["General"] == page.rows["General"] and fragment.h1 == []


def test_the_board_is_read_in_a_fixed_number_of_queries(desk, queues, django_assert_num_queries) -> None:
    with django_assert_num_queries(BOARD_QUERIES):
        small = desk_board()
    # A bigger desk: more queues, agents, people waiting, history and knowledge-base answers.
    extra = Queue.objects.create(name="Wholesale")
    for i in range(4):
        make_agent(f"extra{i}", [extra, queues["General"]], display_name=f"Extra {i}")
    for i in range(5):
        conversation = waiting(extra, f"W{i}", waited=60 * i)
        KnowledgeAnswer.objects.create(conversation=conversation, question="q", article=None, score=0.5, kind="answer")
    now = timezone.now()
    for i in range(6):
        done, _ = conversation_start(name=f"Done {i}")
        Conversation.objects.filter(pk=done.pk).update(
            queue=queues["General"], status="resolved", first_assigned_at=now - timedelta(minutes=9), resolved_at=now
        )
    with django_assert_num_queries(BOARD_QUERIES):
        large = desk_board()
    assert len(large.queues) == len(small.queues) + 1 and large.waiting == small.waiting + 5
    assert len(large.agents) == len(small.agents) + 4


# --- the push ------------------------------------------------------------------------------


async def desk_socket(profile) -> WebsocketCommunicator:
    from rest_framework.authtoken.models import Token

    token = await database_sync_to_async(lambda: Token.objects.get_or_create(user=profile.user)[0].key)()
    communicator = WebsocketCommunicator(application, f"/ws/agent/?token={token}&view=desk")
    connected, code = await communicator.connect()
    assert connected, code
    return communicator


async def presence_of(profile) -> str:
    return (await database_sync_to_async(AgentProfile.objects.get)(pk=profile.pk)).presence


async def test_a_handoff_reaches_the_supervisors_desk_socket(queues, supervisor) -> None:
    board = await desk_socket(supervisor)
    conversation, _ = await database_sync_to_async(conversation_start)(name="Dana")
    assert await drain(board) == []  # a chat with the bot is not the desk's business
    await database_sync_to_async(conversation_request_handoff)(
        conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer"
    )
    # Only the desk's frame: the board socket is not an inbox (no packets, no lists).
    assert await drain(board) == [{"type": "desk.changed"}]
    assert (await database_sync_to_async(desk_board)()).waiting == 1
    await board.disconnect()


async def test_an_agents_presence_reaches_the_desk_socket(queues, agent, supervisor) -> None:
    board = await desk_socket(supervisor)
    inbox = await agent_socket(agent)  # Grace opens her inbox: online
    await frames_until(board, of_type("desk.changed"))
    await inbox.send_json_to({"type": "presence", "status": "away"})
    await frames_until(board, of_type("desk.changed"))
    grace = next(a for a in (await database_sync_to_async(desk_board)()).agents if a.name == "Grace")
    assert grace.presence == "away"
    await inbox.disconnect()
    await frames_until(board, of_type("desk.changed"))  # her last socket closed: offline
    await board.disconnect()


async def test_the_desk_socket_only_listens_and_keeps_no_presence(queues, supervisor) -> None:
    board = await desk_socket(supervisor)
    assert await presence_of(supervisor) == "offline"  # watching the board is not taking chats
    await board.send_json_to({"type": "presence", "status": "online"})
    answer = (await frames_until(board, of_type("error")))[-1]
    assert answer["code"] == "read_only"
    assert await presence_of(supervisor) == "offline"
    await board.disconnect()


async def test_an_agent_may_not_open_the_desk_socket(queues, agent) -> None:
    from rest_framework.authtoken.models import Token

    token = await database_sync_to_async(lambda: Token.objects.get_or_create(user=agent.user)[0].key)()
    communicator = WebsocketCommunicator(application, f"/ws/agent/?token={token}&view=desk")
    connected, code = await communicator.connect()
    assert not connected and code == 4403
    assert await presence_of(agent) == "offline"


@pytest.fixture
def desk_sends(monkeypatch) -> list[dict]:
    """The frames sent to the desk group (a spy: they are still sent)."""
    seen: list[dict] = []
    original = realtime._send_all

    def spy(sends: list[tuple[str, dict]]) -> None:
        seen.extend(event["frame"] for group, event in sends if group == realtime.DESK)
        original(sends)

    monkeypatch.setattr(realtime, "_send_all", spy)
    return seen


def test_one_frame_per_change_and_none_for_a_customers_message(queues, agent, desk_sends) -> None:
    conversation, _ = conversation_start(name="Dana")
    customer_message_post(conversation_id=conversation.pk, body="hello")
    assert desk_sends == []  # the customer's ordinary path pushes nothing more
    conversation_request_handoff(conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer")
    assert desk_sends == [{"type": "desk.changed"}]  # status and queue announced: one frame
    conversation_accept(conversation_id=conversation.pk, agent_user_id=agent.user_id)
    assert len(desk_sends) == 2
    desk_sends.clear()
    customer_message_post(conversation_id=conversation.pk, body="thanks for taking this")
    assert desk_sends == []
