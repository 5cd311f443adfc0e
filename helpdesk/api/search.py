"""GET /api/v1/agent/conversations/search/: the conversations view's search (docs/protocol.md §2,
an extension). Thin: the query string is parsed here, the search is a selector."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import ConversationStatus
from ..selectors.search import MAX_QUERY_CHARS, PAGE_SIZE, SearchFilters, conversations_search
from .schema import BAD_REQUEST, FORBIDDEN, UNAUTHENTICATED
from .serializers import StrictCharField
from .views import IsAgent, agent_profile


class QueryDateField(serializers.DateField):
    """A date from the query string, where DRF would read `?until=` as no date: the schema
    says a date, so a blank one is refused like any other that is not one."""

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, empty)


class SearchIn(serializers.Serializer):
    q = StrictCharField(
        max_length=MAX_QUERY_CHARS,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="Words to find in the messages (internal notes included) or the customer's name or email; "
        "every word must match. Blank: every conversation.",
    )
    status = serializers.ChoiceField(choices=ConversationStatus.choices, required=False, allow_blank=True, default="")
    queue = StrictCharField(max_length=100, required=False, allow_blank=True, default="", help_text="A queue's name.")
    intent = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    assignee = StrictCharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text='An agent\'s username, "me", or "none" for conversations nobody holds.',
    )
    since = QueryDateField(required=False, default=None, help_text="Created on or after.")
    until = QueryDateField(required=False, default=None, help_text="Created on or before.")
    page = serializers.IntegerField(required=False, min_value=1, max_value=400, default=1)


class SearchMatchOut(serializers.Serializer):
    sender = serializers.CharField()
    internal = serializers.BooleanField(help_text="An internal note: staff only, like this endpoint.")
    snippet = serializers.CharField()
    created_at = serializers.DateTimeField()


class SearchCustomerOut(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField(allow_null=True)


class SearchResultOut(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.CharField(help_text="The permanent link: /inbox/c/<id>/.")
    status = serializers.ChoiceField(choices=ConversationStatus.choices)
    queue = serializers.CharField(allow_null=True)
    intent = serializers.CharField(allow_null=True)
    agent_name = serializers.CharField(allow_null=True)
    customer = SearchCustomerOut()
    summary = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    match = SearchMatchOut(allow_null=True, help_text="The first message that matched; null without a query.")


class SearchOut(serializers.Serializer):
    query = serializers.CharField(allow_blank=True)
    page = serializers.IntegerField(min_value=1)
    has_previous = serializers.BooleanField()
    has_next = serializers.BooleanField()
    notice = serializers.CharField(allow_null=True, help_text="Why a query as typed matches nothing.")
    results = SearchResultOut(many=True, help_text=f"At most {PAGE_SIZE}, newest first.")


def _text(name: str, max_length: int, description: str) -> OpenApiParameter:
    # Spelled out rather than derived from SearchIn: a blank text is allowed, which
    # drf-spectacular writes as a oneOf that a blank matches twice, so that the schema would
    # call a blank invalid (tests/security/test_api_schema_fuzz.py).
    schema = {"type": "string", "maxLength": max_length, "pattern": r"^[^\u0000]*$"}
    return OpenApiParameter(name, schema, description=description)


SEARCH_PARAMETERS = [
    _text("q", MAX_QUERY_CHARS, SearchIn().fields["q"].help_text),
    OpenApiParameter(
        "status", str, enum=["", *(value for value, _ in ConversationStatus.choices)], description="Blank: any."
    ),
    _text("queue", 100, "A queue's name."),
    _text("intent", 100, "An intent's name."),
    _text("assignee", 150, SearchIn().fields["assignee"].help_text),
    OpenApiParameter("since", OpenApiTypes.DATE, description="Created on or after."),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Created on or before."),
    OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": 400}, description="Default 1."),
]


class ConversationSearchView(APIView):
    permission_classes = [IsAgent]

    @extend_schema(
        summary="Agent: search conversations, open and resolved [extension]",
        parameters=SEARCH_PARAMETERS,
        responses={200: SearchOut, 400: BAD_REQUEST, 401: UNAUTHENTICATED, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        incoming = SearchIn(data=request.query_params)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        filters = SearchFilters(
            status=data["status"],
            queue=data["queue"],
            intent=data["intent"],
            assignee=data["assignee"],
            since=data["since"],
            until=data["until"],
        )
        return Response(conversations_search(agent_profile(request), data["q"], filters, data["page"]))
