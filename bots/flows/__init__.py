"""Bot flows behind a registry: intent name -> the module that runs it."""

from __future__ import annotations

from types import ModuleType

from . import information, order_status, password_reset

FLOWS: dict[str, ModuleType] = {
    "order_status": order_status,
    "password_reset": password_reset,
    "shipping_info": information,
    "return_policy": information,
    "payment_methods": information,
    "update_account": information,
}


def flow_for(intent: str) -> ModuleType | None:
    return FLOWS.get(intent)


def flow_named(name: str) -> ModuleType | None:
    return {"order_status": order_status, "password_reset": password_reset, "information": information}.get(name)


def name_of(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]
