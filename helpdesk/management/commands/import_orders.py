"""python manage.py import_orders orders.csv — columns: number, status, carrier,
tracking_number, tracking_url, customer_email (only number is required). Upserts by number."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from helpdesk.models import Order, OrderStatus

FIELDS = ("status", "carrier", "tracking_number", "tracking_url", "customer_email")


class Command(BaseCommand):
    help = "Import or update orders from a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    @transaction.atomic
    def handle(self, *args, path: Path, **options) -> None:
        try:
            with open(path, newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
        except OSError as error:
            raise CommandError(str(error)) from error
        valid = set(OrderStatus.values)
        for line, row in enumerate(rows, start=2):
            if not (row.get("number") or "").strip():
                raise CommandError(f"line {line}: number is required")
            if row.get("status") and row["status"] not in valid:
                raise CommandError(f"line {line}: status must be one of {', '.join(sorted(valid))}")
        for row in rows:
            Order.objects.update_or_create(
                number=row["number"].strip(), defaults={k: row[k].strip() for k in FIELDS if row.get(k)}
            )
        self.stdout.write(f"imported {len(rows)} order(s)")
