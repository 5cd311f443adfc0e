from __future__ import annotations

from django.db import models


class OrderStatus(models.TextChoices):
    PROCESSING = "processing", "Processing"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    RETURNED = "returned", "Returned"


class Order(models.Model):
    """The shop's orders as the desk knows them (the default order-lookup backend)."""

    number = models.CharField(max_length=40, unique=True)
    customer_email = models.EmailField(blank=True)
    status = models.CharField(max_length=12, choices=OrderStatus.choices, default=OrderStatus.PROCESSING)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=80, blank=True)
    tracking_url = models.URLField(blank=True)
    items = models.JSONField(default=list, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.number
