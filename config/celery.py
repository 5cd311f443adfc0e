"""Celery: `celery -A config worker` and `celery -A config beat`."""

import logging
import os

from celery import Celery
from celery.signals import task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _prepare_worker_process(**_: object) -> None:
    # A forked worker must not share the parent's database sockets.
    from django.conf import settings
    from django.db import connections

    for connection in connections.all():
        connection.close_if_unusable_or_obsolete()
    # Load the model once per worker process, before the first task waits on it
    # (CELERY_WORKER_PROC_ALIVE_TIMEOUT allows for the load).
    if settings.HELPDESK_MODEL_WARMUP:
        from bots.runtime import warm_up

        try:
            warm_up()
        except Exception:
            # A model that will not load must not keep the worker from starting: each turn
            # then fails on it and hands the customer to a person at once (fail open).
            logging.getLogger(__name__).exception("the model did not load; bot turns will hand over")


@task_prerun.connect
def _database_as_per_request(**_: object) -> None:
    # CELERY_DB_REUSE_MAX keeps connections across tasks; like a request, a task starts by
    # dropping a connection that broke (a PostgreSQL restart) or outlived CONN_MAX_AGE, so a
    # retry after an OperationalError gets a fresh one.
    from django.db import close_old_connections

    close_old_connections()
