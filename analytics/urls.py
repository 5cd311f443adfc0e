from django.urls import path

from . import views
from .api import ConversationsCsvView, ScorecardCsvView, ScorecardView

urlpatterns = [
    path("analytics/", views.dashboard, name="analytics-dashboard"),
    path("analytics/weekly/", views.weekly, name="analytics-weekly"),
    path("analytics/live/", views.live, name="analytics-live"),
    path("analytics/live/board/", views.live_board, name="analytics-live-board"),
    path("api/v1/analytics/scorecard/", ScorecardView.as_view(), name="analytics-scorecard"),
    path("api/v1/analytics/scorecard.csv", ScorecardCsvView.as_view(), name="analytics-scorecard-csv"),
    path("api/v1/analytics/conversations.csv", ConversationsCsvView.as_view(), name="analytics-conversations-csv"),
]
