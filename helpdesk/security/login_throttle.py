"""Login throttling: after HELPDESK_LOGIN_MAX_FAILURES failed logins for one username from one
address, that pair is locked out for HELPDESK_LOGIN_LOCKOUT_SECONDS.

The pair, not the account alone: locking an account on failures from anywhere would let anyone
lock any agent out by typing wrong passwords. The pair, not the address alone: agents behind
one office NAT do not lock each other out. Kept in the cache (Redis in production) so every
process shares the count; nothing is written to the database.

Used by the login page, the admin's login page and POST /api/v1/auth/token/.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is written by the client unless a proxy we trust
    # rewrites it, and trusting it would let an attacker pick a fresh address per guess.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _keys(username: str, address: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{username.strip().lower()}\0{address}".encode()).hexdigest()[:40]
    return f"login:fail:{digest}", f"login:lock:{digest}"


def login_lock_remaining(*, username: str, address: str) -> int:
    """Seconds left on this pair's lockout; 0 when it may try."""
    _, lock_key = _keys(username, address)
    until = cache.get(lock_key)
    if until is None:
        return 0
    return max(0, math.ceil(until - time.time()))


def login_failed(*, username: str, address: str) -> int:
    """Count one failure. Returns the lockout's seconds when this failure started one, else 0."""
    fail_key, lock_key = _keys(username, address)
    lockout = settings.HELPDESK_LOGIN_LOCKOUT_SECONDS
    # add() then incr(): add is atomic, so two failures at once both count. The count lives as
    # long as a lockout would: failures spread over a longer time never add up to one.
    if cache.add(fail_key, 1, timeout=lockout):
        count = 1
    else:
        try:
            count = cache.incr(fail_key)
        except ValueError:  # expired between add and incr
            cache.add(fail_key, 1, timeout=lockout)
            count = 1
    if count < settings.HELPDESK_LOGIN_MAX_FAILURES:
        return 0
    cache.set(lock_key, time.time() + lockout, timeout=lockout)
    cache.delete(fail_key)
    return lockout


def login_succeeded(*, username: str, address: str) -> None:
    fail_key, lock_key = _keys(username, address)
    cache.delete_many([fail_key, lock_key])


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed sign-in attempts for this account from your address. Try again in {minutes} {unit}."
