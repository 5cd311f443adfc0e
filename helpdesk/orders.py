"""Order lookup behind a small registry: the desk's own Order table, or a shop's HTTP API.

settings.HELPDESK_ORDER_BACKEND picks one ("database" by default; "http" reads
HELPDESK_ORDER_API_URL, GET <url>/<number> answering JSON or 404).
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

from .models import Order

logger = logging.getLogger(__name__)


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
    """The shop's own order API; failures are treated as "not found" and logged, so the bot
    offers a person instead of hanging."""

    def __init__(self, base_url: str, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def find(self, number: str) -> OrderInfo | None:
        url = f"{self.base_url}/{urllib.parse.quote(number)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as answer:
                data = json.loads(answer.read())
        except urllib.error.HTTPError as error:
            if error.code != 404:
                logger.warning("order API %s answered %s", url, error.code)
            return None
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            logger.warning("order API %s failed: %s", url, error)
            return None
        return OrderInfo(
            number=str(data.get("number", number)),
            status=str(data.get("status", "")),
            carrier=str(data.get("carrier", "")),
            tracking_number=str(data.get("tracking_number", "")),
            tracking_url=str(data.get("tracking_url", "")),
            customer_email=str(data.get("customer_email", "")),
        )


def order_lookup() -> OrderLookup:
    if settings.HELPDESK_ORDER_BACKEND == "http":
        return HttpOrders(settings.HELPDESK_ORDER_API_URL)
    return DatabaseOrders()
