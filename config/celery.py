"""Celery: `celery -A config worker` and `celery -A config beat`."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _close_inherited_connections(**_: object) -> None:
    # A forked worker must not share the parent's database sockets.
    from django.db import connections

    for connection in connections.all():
        connection.close_if_unusable_or_obsolete()
