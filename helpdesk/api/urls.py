from django.urls import path

from . import search, views

urlpatterns = [
    path("conversations/", views.ConversationStartView.as_view(), name="conversation-start"),
    path(
        "conversations/<str:conversation_id>/state/", views.ConversationStateView.as_view(), name="conversation-state"
    ),
    path("auth/token/", views.ObtainTokenView.as_view(), name="auth-token"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    # Before the packet's route: "search" is no conversation id.
    path("agent/conversations/search/", search.ConversationSearchView.as_view(), name="conversation-search"),
    path(
        "agent/conversations/<str:conversation_id>/", views.AgentConversationView.as_view(), name="agent-conversation"
    ),
    path("tickets/", views.TicketListView.as_view(), name="tickets"),
    path("tickets/<str:ticket_id>/", views.TicketDetailView.as_view(), name="ticket"),
    path("tickets/<str:ticket_id>/claim/", views.TicketClaimView.as_view(), name="ticket-claim"),
    path("tickets/<str:ticket_id>/reply/", views.TicketReplyView.as_view(), name="ticket-reply"),
    path("tickets/<str:ticket_id>/close/", views.TicketCloseView.as_view(), name="ticket-close"),
    path(
        "conversations/<str:conversation_id>/attachments/",
        views.AttachmentUploadView.as_view(),
        name="attachment-upload",
    ),
    path("attachments/<str:attachment_id>/", views.AttachmentView.as_view(), name="attachment"),
]
