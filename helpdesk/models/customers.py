from __future__ import annotations

from django.db import models
from django.db.models import Q


class CustomerTier(models.TextChoices):
    STANDARD = "standard", "Standard"
    VIP = "vip", "VIP"
    ENTERPRISE = "enterprise", "Enterprise"


class Customer(models.Model):
    """A person who chats with the desk.

    Identity is the email or the external id (a CRM key): the same email or external id is the
    same customer across conversations, which is what contact history, repeat-contact counts
    and tier routing rely on. A customer who gives neither stays anonymous, one per
    conversation.
    """

    # NULL, not "", for "unknown": the unique constraints below must not treat every
    # anonymous customer as the same empty email.
    email = models.EmailField(max_length=254, null=True, blank=True)  # noqa: DJ001
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    name = models.CharField(max_length=200, blank=True)
    tier = models.CharField(max_length=20, choices=CustomerTier.choices, default=CustomerTier.STANDARD)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=Q(email__isnull=False), name="customer_email_unique"),
            models.UniqueConstraint(
                fields=["external_id"], condition=Q(external_id__isnull=False), name="customer_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.external_id or f"Visitor #{self.pk}"

    @property
    def display_name(self) -> str:
        return self.name or self.email or "Visitor"
