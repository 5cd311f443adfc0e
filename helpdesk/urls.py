from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import conversation_pages, views
from .security.login_forms import ThrottledAuthenticationForm

urlpatterns = [
    path("chat/", views.chat_page, name="chat"),
    path("widget/demo/", views.widget_demo, name="widget-demo"),
    path("inbox/", views.inbox_page, name="inbox"),
    path("inbox/conversations/", conversation_pages.conversations_page, name="conversations"),
    path("inbox/c/<str:conversation_id>/", conversation_pages.conversation_permalink, name="conversation-permalink"),
    path("inbox/tickets/", views.tickets_page, name="tickets"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="login.html",
            redirect_authenticated_user=True,
            authentication_form=ThrottledAuthenticationForm,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include("helpdesk.api.urls")),
]
