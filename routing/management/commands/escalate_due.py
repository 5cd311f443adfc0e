from django.core.management.base import BaseCommand

from routing.escalation import escalate_due


class Command(BaseCommand):
    help = "Raise, overflow and alert on conversations and tickets that have waited too long."

    def handle(self, *args, **options) -> None:
        report = escalate_due()
        self.stdout.write(
            f"raised {len(report.raised)}, overflowed {len(report.overflowed)}, tickets escalated {len(report.tickets)}"
            f", periodic rules fired for {len(report.ruled)}"
        )
