"""Order lookup behind a small registry: the desk's own Order table, or a shop's HTTP API.

settings.HELPDESK_ORDER_BACKEND picks one ("database" by default; "http" reads
HELPDESK_ORDER_API_URL, GET <url>/<number> answering JSON or 404).

The shop's API is asked with a short timeout. After HELPDESK_ORDER_API_FAILURES failures in a
row (errors or timeouts, counted in the shared cache, so every process sees them) it is not
asked for HELPDESK_ORDER_API_PAUSE_SECONDS: a lookup raises `OrdersUnavailable` at once, and
the bot says it cannot look orders up right now instead of making every customer wait for the
timeout (docs/faults.md).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.cache import cache

from .models import Order

logger = logging.getLogger(__name__)

FAILURES_KEY = "orders:api-failures"
PAUSED_KEY = "orders:api-paused"


class OrdersUnavailable(Exception):
    """The order API cannot answer now (down, slow, or paused after repeated failures)."""


@dataclass(frozen=True)
class OrderInfo:
    number: str
    status: str
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    customer_email: str = ""


class OrderLookup(Protocol):
    def find(self, number: str) -> OrderInfo | None: ...


class DatabaseOrders:
    def find(self, number: str) -> OrderInfo | None:
        order = Order.objects.filter(number__iexact=number).first()
        if order is None:
            return None
        return OrderInfo(
            order.number, order.status, order.carrier, order.tracking_number, order.tracking_url, order.customer_email
        )


class HttpOrders:
    """The shop's own order API. 404 is "no such order"; anything else that goes wrong raises
    `OrdersUnavailable`, so the bot can say so and offer a person."""

    def __init__(self, base_url: str, timeout: float | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout if timeout is not None else settings.HELPDESK_ORDER_API_TIMEOUT

    def find(self, number: str) -> OrderInfo | None:
        if cache.get(PAUSED_KEY):
            raise OrdersUnavailable("paused after repeated failures")
        url = f"{self.base_url}/{urllib.parse.quote(number)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as answer:
                data = json.loads(answer.read())
        except urllib.error.HTTPError as error:
            if error.code == 404:
                _answered()
                return None
            raise _failed(url, f"answered {error.code}") from error
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            raise _failed(url, str(error)) from error
        _answered()
        return OrderInfo(
            number=str(data.get("number", number)),
            status=str(data.get("status", "")),
            carrier=str(data.get("carrier", "")),
            tracking_number=str(data.get("tracking_number", "")),
            tracking_url=str(data.get("tracking_url", "")),
            customer_email=str(data.get("customer_email", "")),
        )


def _answered() -> None:
    cache.delete(FAILURES_KEY)


def _failed(url: str, why: str) -> OrdersUnavailable:
    """Count a failure; at the limit, stop asking for a while. Race: two failures at once both
    count (cache.incr is atomic); both may set the pause, which is the same pause."""
    cache.add(FAILURES_KEY, 0, timeout=settings.HELPDESK_ORDER_API_PAUSE_SECONDS * 10)
    try:
        failures = cache.incr(FAILURES_KEY)
    except ValueError:  # expired between add and incr
        failures = 1
    logger.warning("order API %s failed (%s in a row): %s", url, failures, why)
    if failures >= settings.HELPDESK_ORDER_API_FAILURES:
        cache.set(PAUSED_KEY, 1, timeout=settings.HELPDESK_ORDER_API_PAUSE_SECONDS)
        cache.delete(FAILURES_KEY)
        logger.error("order API paused for %s s", settings.HELPDESK_ORDER_API_PAUSE_SECONDS)
    return OrdersUnavailable(why)


def order_lookup() -> OrderLookup:
    if settings.HELPDESK_ORDER_BACKEND == "http":
        return HttpOrders(settings.HELPDESK_ORDER_API_URL)
    return DatabaseOrders()
