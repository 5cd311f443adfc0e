"""Bot flows behind a registry: intent name -> the flow that runs it.

A flow is anything with `start(ctx) -> Turn` and `resume(ctx) -> Turn` (a module or an
object); its registry name is what `FlowState.flow` remembers.
"""

from __future__ import annotations

from typing import Any

from . import collect, information, order_status, password_reset

FLOWS: dict[str, Any] = {
    "order_status": order_status,
    "password_reset": password_reset,
    "shipping_info": information,
    "return_policy": information,
    "payment_methods": information,
    "update_account": information,
    "damaged_item": collect.damaged_item,
    "refund_status": collect.refund_status,
    "change_order": collect.change_order,
    "technical_issue": collect.technical_issue,
    "account_locked": collect.account_locked,
}
BY_NAME: dict[str, Any] = {
    "order_status": order_status,
    "password_reset": password_reset,
    "information": information,
    "damaged_item": collect.damaged_item,
    "refund_status": collect.refund_status,
    "change_order": collect.change_order,
    "technical_issue": collect.technical_issue,
    "account_locked": collect.account_locked,
}


def flow_for(intent: str) -> Any | None:
    return FLOWS.get(intent)


def flow_named(name: str) -> Any | None:
    return BY_NAME.get(name)


def name_of(flow: Any) -> str:
    for name, candidate in BY_NAME.items():
        if candidate is flow:
            return name
    raise KeyError(flow)
