"""Login forms with throttling (helpdesk.security.login_throttle), for the login page and the admin's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from .login_throttle import client_address, lockout_message, login_failed, login_lock_remaining, login_succeeded


class ThrottledLoginMixin:
    """A locked pair is refused before the password is checked, so guesses during a lockout
    learn nothing, not even a right password."""

    request: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if not username or self.request is None:
            return super().clean()  # type: ignore[misc]
        address = client_address(self.request)
        remaining = login_lock_remaining(username=username, address=address)
        if remaining:
            raise forms.ValidationError(lockout_message(remaining), code="locked")
        try:
            cleaned = super().clean()  # type: ignore[misc]
        except forms.ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login":
                locked_for = login_failed(username=username, address=address)
                if locked_for:
                    raise forms.ValidationError(lockout_message(locked_for), code="locked") from exc
            raise
        login_succeeded(username=username, address=address)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
