from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bots.dry_run import dry_run_view
from helpdesk.security.login_forms import ThrottledAdminAuthenticationForm

# The admin's login page shares the login throttle (helpdesk.security.login_throttle, docs/security.md).
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", RedirectView.as_view(url="/chat/", permanent=False)),
    # The rules' dry run reads the message with the model: a bots view at the rules' address.
    path("admin/routing/rule/dry-run/", admin.site.admin_view(dry_run_view), name="rules_dry_run"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("analytics.urls")),
    path("", include("helpdesk.urls")),
]
