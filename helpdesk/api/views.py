"""REST side of the chat contract. Thin: parse, call one service or selector, answer."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from ..errors import NotFound, ServiceError
from ..infrastructure.housekeeping import maybe_sweep
from ..models import AgentProfile, Attachment, Customer, Priority, Queue
from ..security.login_throttle import (
    client_address,
    lockout_message,
    login_failed,
    login_lock_remaining,
    login_succeeded,
)
from ..security.ratelimit import window_allow
from ..selectors.conversations import (
    conversation_get_for_agent,
    conversation_get_for_customer,
    conversation_packet,
    customer_state,
    inbox_for_agent,
)
from ..selectors.tickets import TICKET_VIEWS, ticket_events, ticket_get_for_agent, ticket_history, tickets_for_agent
from ..services.attachments import attachment_add, attachment_payload
from ..services.conversations import conversation_start
from ..services.credentials import agent_token_for
from ..services.tickets import ticket_claim, ticket_close, ticket_open, ticket_reply
from .schema import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    THROTTLED,
    UNAUTHENTICATED,
    AttachmentOut,
    AttachmentUploadIn,
    CustomerStateOut,
    InboxOut,
    TokenOut,
)
from .serializers import (
    ConversationStartIn,
    ConversationStartOut,
    TicketCloseIn,
    TicketDetailOut,
    TicketEventOut,
    TicketIn,
    TicketOut,
    TicketReplyIn,
    TokenIn,
)


class IsAgent(BasePermission):
    message = "An agent account is required."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and AgentProfile.objects.filter(user=user).exists())


def agent_profile(request: Request) -> AgentProfile:
    return AgentProfile.objects.select_related("user").get(user=request.user)


TICKET_VIEW = OpenApiParameter(
    "view", str, enum=["open", "mine", "closed"], required=False, description="Which list; `open` when omitted"
)

CUSTOMER_TOKEN = OpenApiParameter(
    "token", str, required=True, description="The customer's conversation token (or `Authorization: Bearer <token>`)"
)


class ConversationStartView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []  # anonymous customers; no CSRF dance for a public widget

    @extend_schema(
        request={"application/json": ConversationStartIn},
        responses={201: ConversationStartOut, 400: BAD_REQUEST, 429: THROTTLED},
        summary="Start a conversation",
        auth=[],
    )
    def post(self, request: Request) -> Response:
        limit = settings.HELPDESK_CREATE_RATE
        if not window_allow(
            f"start:{client_address(request)}", limit=limit["limit"], window_seconds=limit["window_seconds"]
        ):
            return Response(
                {
                    "code": "rate_limited",
                    "detail": "Too many new conversations from this address; try again in a minute.",
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(limit["window_seconds"])},
            )
        if not isinstance(request.data, dict):
            return Response({"code": "bad_request", "detail": "The body must be a JSON object."}, status=400)
        incoming = ConversationStartIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        conversation, token = conversation_start(**incoming.validated_data)
        maybe_sweep()
        return Response(
            {
                "id": str(conversation.pk),
                "token": token,
                "ws_url": f"/ws/conversations/{conversation.pk}/?token={token}",
            },
            status=status.HTTP_201_CREATED,
        )


class ConversationStateView(APIView):
    """The customer's view of their conversation's state, by their token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        parameters=[CUSTOMER_TOKEN],
        responses={200: CustomerStateOut, 404: NOT_FOUND},
        summary="Customer: state of my conversation",
        auth=[],
    )
    def get(self, request: Request, conversation_id: str) -> Response:
        token = request.query_params.get("token") or _bearer(request)
        conversation = conversation_get_for_customer(conversation_id, token or "")
        if conversation is None:
            return Response({"code": "not_found", "detail": "No conversation for this id and token."}, status=404)
        return Response(customer_state(conversation))


def _bearer(request: Request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


class ObtainTokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        request={"application/json": TokenIn},
        responses={200: TokenOut, 400: BAD_REQUEST, 429: THROTTLED},
        summary="Agent API token",
        auth=[],
    )
    def post(self, request: Request) -> Response:
        incoming = TokenIn(data=request.data if isinstance(request.data, dict) else {})
        incoming.is_valid(raise_exception=True)
        username = incoming.validated_data["username"]
        address = client_address(request)
        # Checked before the password: during a lockout even the right password is refused.
        remaining = login_lock_remaining(username=username, address=address)
        if remaining:
            return _locked(remaining)
        user = authenticate(request, **incoming.validated_data)
        if user is None or not user.is_active:
            locked_for = login_failed(username=username, address=address)
            if locked_for:
                return _locked(locked_for)
            return Response({"code": "invalid_credentials", "detail": "Wrong username or password."}, status=400)
        login_succeeded(username=username, address=address)
        return Response({"token": agent_token_for(user).key})


def _locked(seconds: int) -> Response:
    return Response(
        {"code": "login_locked", "detail": lockout_message(seconds)},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(seconds)},
    )


def _agent_json(profile: AgentProfile) -> dict:
    return {
        "id": str(profile.user_id),
        "username": profile.user.get_username(),
        "display_name": profile.display_name,
        "presence": profile.presence,
        "is_supervisor": profile.is_supervisor,
        "max_concurrent_chats": profile.max_concurrent_chats,
        "queues": list(profile.queues.values_list("name", flat=True)),
    }


class InboxView(APIView):
    permission_classes = [IsAgent]

    @extend_schema(summary="Agent: my live lists", responses={200: InboxOut, 401: UNAUTHENTICATED, 403: FORBIDDEN})
    def get(self, request: Request) -> Response:
        profile = agent_profile(request)
        maybe_sweep()
        body = inbox_for_agent(profile)
        body["agent"] = _agent_json(profile)
        body["queues"] = [
            {"name": q.name, "waiting": q.conversations.filter(status="queued").count()} for q in Queue.objects.all()
        ]
        return Response(body)


class AgentConversationView(APIView):
    permission_classes = [IsAgent]

    @extend_schema(
        summary="Agent: the handoff packet with the transcript",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The handoff packet C (docs/protocol.md)."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, conversation_id: str) -> Response:
        profile = agent_profile(request)
        return Response(conversation_packet(conversation_get_for_agent(conversation_id, profile)))


class TicketListView(APIView):
    permission_classes = [IsAgent]

    @extend_schema(
        parameters=[TICKET_VIEW],
        responses={200: TicketOut(many=True), 400: BAD_REQUEST, 401: UNAUTHENTICATED, 403: FORBIDDEN},
        summary="Agent: tickets (open, mine or closed)",
    )
    def get(self, request: Request) -> Response:
        view = request.query_params.get("view") or "open"
        if view not in TICKET_VIEWS:
            raise ServiceError("bad_request", "view is one of: open, mine, closed.")
        tickets = tickets_for_agent(agent_profile(request), view=view)
        return Response(TicketOut(tickets, many=True).data)

    @extend_schema(
        request={"application/json": TicketIn},
        responses={201: TicketOut, 400: BAD_REQUEST, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="Agent: open a ticket",
    )
    def post(self, request: Request) -> Response:
        profile = agent_profile(request)
        incoming = TicketIn(data=request.data if isinstance(request.data, dict) else {})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        conversation = None
        if data["conversation_id"]:
            conversation = conversation_get_for_agent(str(data["conversation_id"]), profile)
            customer = conversation.customer
        elif data["customer_email"]:
            customer = Customer.objects.filter(email=data["customer_email"].lower()).first()
            if customer is None:
                raise NotFound("No customer with that email.")
        else:
            raise ServiceError("bad_request", "Give a conversation_id or a customer_email.")
        queue = Queue.objects.filter(name__iexact=data["queue"]).first() if data["queue"] else None
        ticket = ticket_open(
            subject=data["subject"],
            description=data["description"],
            customer=customer,
            conversation=conversation,
            queue=queue,
            priority=[p for p in Priority if p.label == data["priority"]][0],
            due_at=data["due_at"],
            created_by=request.user,
        )
        return Response(TicketOut(ticket).data, status=201)


def _ticket_detail(ticket_id: int | str, profile: AgentProfile) -> dict:
    ticket = ticket_get_for_agent(ticket_id, profile)
    return {
        "ticket": TicketOut(ticket).data,
        "events": TicketEventOut(ticket_events(ticket), many=True).data,
        "history": ticket_history(ticket),
    }


TICKET_ACTION_RESPONSES = {
    200: TicketDetailOut,
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,
}


class TicketDetailView(APIView):
    permission_classes = [IsAgent]

    @extend_schema(
        summary="Agent: a ticket, its log and the customer's chat",
        responses={200: TicketDetailOut, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, ticket_id: str) -> Response:
        return Response(_ticket_detail(ticket_id, agent_profile(request)))


class TicketClaimView(APIView):
    permission_classes = [IsAgent]

    @extend_schema(summary="Agent: claim a ticket", request=None, responses=TICKET_ACTION_RESPONSES)
    def post(self, request: Request, ticket_id: str) -> Response:
        profile = agent_profile(request)
        ticket = ticket_claim(ticket_id=ticket_id, profile=profile)
        return Response(_ticket_detail(ticket.pk, profile))


class TicketReplyView(APIView):
    permission_classes = [IsAgent]

    @extend_schema(
        summary="Agent: reply to a ticket's customer by email",
        request={"application/json": TicketReplyIn},
        responses=TICKET_ACTION_RESPONSES,
    )
    def post(self, request: Request, ticket_id: str) -> Response:
        profile = agent_profile(request)
        incoming = TicketReplyIn(data=request.data if isinstance(request.data, dict) else {})
        incoming.is_valid(raise_exception=True)
        event = ticket_reply(ticket_id=ticket_id, profile=profile, body=incoming.validated_data["body"])
        return Response(_ticket_detail(event.ticket_id, profile))


class TicketCloseView(APIView):
    permission_classes = [IsAgent]

    @extend_schema(
        summary="Agent: close a ticket", request={"application/json": TicketCloseIn}, responses=TICKET_ACTION_RESPONSES
    )
    def post(self, request: Request, ticket_id: str) -> Response:
        profile = agent_profile(request)
        incoming = TicketCloseIn(data=request.data if isinstance(request.data, dict) else {})
        incoming.is_valid(raise_exception=True)
        ticket = ticket_close(ticket_id=ticket_id, profile=profile, note=incoming.validated_data["note"])
        return Response(_ticket_detail(ticket.pk, profile))


class AttachmentUploadView(APIView):
    """The customer sends a photo into their conversation (multipart field `file`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Customer: send a photo",
        parameters=[CUSTOMER_TOKEN],
        request={"multipart/form-data": AttachmentUploadIn},
        responses={201: AttachmentOut, 400: BAD_REQUEST, 404: NOT_FOUND},
        auth=[],
    )
    def post(self, request: Request, conversation_id: str) -> Response:
        token = request.query_params.get("token") or _bearer(request) or ""
        conversation = conversation_get_for_customer(conversation_id, token)
        if conversation is None:
            return Response({"code": "not_found", "detail": "No conversation for this id and token."}, status=404)
        if not conversation.is_open:
            return Response({"code": "conversation_closed", "detail": "This conversation has ended."}, status=400)
        upload = request.FILES.get("file")
        if upload is None:
            return Response(
                {"code": "bad_request", "detail": "Send the photo as the multipart field 'file'."}, status=400
            )
        attachment = attachment_add(conversation=conversation, upload=upload)
        return Response(attachment_payload(attachment), status=201)


class AttachmentView(APIView):
    """The file itself, to the conversation's customer (token) or an agent who may see it."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="An attachment's file",
        parameters=[OpenApiParameter("token", str, required=False, description="The customer's conversation token")],
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The photo."),
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, attachment_id: str):
        attachment = Attachment.objects.filter(pk=_uuid_or_none(attachment_id)).select_related("conversation").first()
        if attachment is None:
            return Response({"code": "not_found", "detail": "No such attachment."}, status=404)
        token = request.query_params.get("token") or _bearer(request)
        allowed = bool(token) and conversation_get_for_customer(str(attachment.conversation_id), token) is not None
        if not allowed and request.user and request.user.is_authenticated:
            profile = AgentProfile.objects.filter(user=request.user).first()
            if profile is not None:
                try:
                    conversation_get_for_agent(str(attachment.conversation_id), profile)
                    allowed = True
                except ServiceError:
                    # Another queue's photo answers like a missing one: a 403 would confirm
                    # that the attachment exists.
                    allowed = False
        if not allowed:
            return Response({"code": "not_found", "detail": "No such attachment."}, status=404)
        response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
        response["Content-Disposition"] = "inline"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
        return response


def _uuid_or_none(value: str):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
