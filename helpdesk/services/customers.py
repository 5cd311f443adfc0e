from __future__ import annotations

from django.db import IntegrityError, transaction

from ..models import Customer


def customer_identify(*, email: str | None, external_id: str | None, name: str = "") -> Customer:
    """The customer behind an email or external id, created on first contact.

    The external id (a CRM key) wins over the email when both are given and name different
    people. Without either, every conversation gets its own anonymous customer.
    """
    email = (email or "").strip().lower() or None
    external_id = (external_id or "").strip() or None
    customer = None
    if external_id:
        customer = Customer.objects.filter(external_id=external_id).first()
    if customer is None and email:
        customer = Customer.objects.filter(email=email).first()
    if customer is None:
        try:
            # Race: two first contacts with one email at once. The unique constraint lets one
            # insert win; the other re-reads the winner's row.
            with transaction.atomic():
                return Customer.objects.create(email=email, external_id=external_id, name=name)
        except IntegrityError:
            customer = Customer.objects.filter(external_id=external_id).first() if external_id else None
            customer = customer or Customer.objects.get(email=email)
    changed = []
    if name and not customer.name:
        customer.name = name
        changed.append("name")
    if email and not customer.email and not Customer.objects.filter(email=email).exists():
        customer.email = email
        changed.append("email")
    if external_id and not customer.external_id and not Customer.objects.filter(external_id=external_id).exists():
        customer.external_id = external_id
        changed.append("external_id")
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    return customer


def customer_email_fill(*, customer: Customer, email: str) -> bool:
    """An address the customer typed in the chat becomes theirs, when they had none and no
    other customer has it (it would merge two people's histories). True when it was set."""
    email = email.strip().lower()
    if customer.email or Customer.objects.filter(email=email).exists():
        return False
    customer.email = email
    customer.save(update_fields=["email", "updated_at"])
    return True
