"""GET /api/v1/analytics/scorecard/?start=YYYY-MM-DD&end=YYYY-MM-DD (supervisors)."""

from __future__ import annotations

from datetime import date

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.models import AgentProfile

from .exports import conversations_csv, scorecard_csv
from .scorecard import scorecard


class IsSupervisor(BasePermission):
    message = "Supervisors only."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return bool(user.is_superuser or AgentProfile.objects.filter(user=user, is_supervisor=True).exists())


def parse_period(request: Request) -> tuple[date, date] | Response:
    try:
        start = date.fromisoformat(request.query_params.get("start", ""))
        end = date.fromisoformat(request.query_params.get("end", ""))
    except ValueError:
        return Response({"code": "bad_request", "detail": "start and end are required, as YYYY-MM-DD."}, status=400)
    if end <= start:
        return Response(
            {"code": "bad_request", "detail": "end must be after start (the period is [start, end))."}, status=400
        )
    if (end - start).days > 366 * 3:
        return Response({"code": "bad_request", "detail": "The period may be at most three years."}, status=400)
    return start, end


PERIOD = [
    OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="First day, YYYY-MM-DD"),
    OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="Day after the last, YYYY-MM-DD"),
]
_ERROR = inline_serializer(
    "AnalyticsError", {"code": serializers.CharField(required=False), "detail": serializers.CharField()}
)
REFUSALS = {
    400: OpenApiResponse(_ERROR, description="A missing, malformed or too long period."),
    401: OpenApiResponse(_ERROR, description="No credentials, or a bad or expired token."),
    403: OpenApiResponse(_ERROR, description="Supervisors only."),
}
CSV = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, streamed."), **REFUSALS}


class ScorecardView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(
        parameters=PERIOD,
        summary="Supervisors: the hybrid scorecard (docs/metrics.md)",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The scorecard."), **REFUSALS},
    )
    def get(self, request: Request) -> Response:
        period = parse_period(request)
        if isinstance(period, Response):
            return period
        return Response(scorecard(*period))


def _csv(request: Request, rows, name: str):
    period = parse_period(request)
    if isinstance(period, Response):
        return period
    response = StreamingHttpResponse(rows(*period), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}-{period[0]}-{period[1]}.csv"'
    return response


class ConversationsCsvView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(summary="Supervisors: one CSV row per conversation, streamed", parameters=PERIOD, responses=CSV)
    def get(self, request: Request):
        return _csv(request, conversations_csv, "conversations")


class ScorecardCsvView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(summary="Supervisors: the scorecard as CSV", parameters=PERIOD, responses=CSV)
    def get(self, request: Request):
        return _csv(request, scorecard_csv, "scorecard")
