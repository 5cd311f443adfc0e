from django.core.management.base import BaseCommand

from helpdesk.services.conversations import conversations_sweep_inactive


class Command(BaseCommand):
    help = "End conversations whose customer has been silent for HELPDESK_ABANDON_AFTER_SECONDS."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="conversations claimed per round (default 500)")

    def handle(self, *args, **options) -> None:
        # The service ends up to a batch a call (the periodic task's time limit); the command
        # calls again until none is left, so a backlog after downtime ends in one go.
        ended = 0
        while batch := conversations_sweep_inactive(batch=max(1, options["batch"])):
            ended += batch
        self.stdout.write(f"ended {ended} silent conversation(s)")
