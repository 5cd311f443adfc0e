from django.core.management.base import BaseCommand

from helpdesk.services.conversations import conversations_sweep_inactive


class Command(BaseCommand):
    help = "End conversations whose customer has been silent for HELPDESK_ABANDON_AFTER_SECONDS."

    def handle(self, *args, **options) -> None:
        ended = conversations_sweep_inactive()
        self.stdout.write(f"ended {ended} silent conversation(s)")
