"""Retraining as a job (issue 18): the intents page's button starts a background training whose
row reports its progress and result; one at a time; a failure or a dead worker reads "failed".
And an intent's examples in their own paginated, searchable list, so its page stays light.

The trainings here are real (the real encoder) on a few examples of three intents: under a
second once the encoder is loaded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from bots.models import Intent, IntentExample, JobStatus, ModelVersion, TrainingJob
from bots.services import training_jobs
from helpdesk.models import AuditEntry
from tests.support.people import make_agent

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = {
    "order_status": ["where is my order", "has my parcel shipped", "track my package", "when will it arrive",
                     "my order is late", "order status please"],
    "refund_request": ["I want my money back", "refund please", "how do I get a refund", "give me a refund",
                       "can I be refunded", "refund my purchase"],
    "out_of_scope": ["what is the weather", "tell me a joke", "who won the match", "write me a poem",
                     "what is the capital of peru", "sing a song"],
}  # fmt: skip


@pytest.fixture
def small_intents() -> dict[str, Intent]:
    made = {}
    for name, texts in SMALL.items():
        made[name] = Intent.objects.create(name=name, description=name.replace("_", " "))
        IntentExample.objects.bulk_create(IntentExample(intent=made[name], text=text) for text in texts)
    return made


@pytest.fixture
def boss(client):
    """Sofia, a supervisor who runs the admin (a superuser, as in the demo)."""
    profile = make_agent("sofia", [], supervisor=True, display_name="Sofia")
    profile.user.is_superuser = True
    profile.user.save(update_fields=["is_superuser"])
    client.force_login(profile.user)
    return profile.user


def status(client) -> dict:
    answer = client.get("/admin/bots/intent/training/")
    assert answer.status_code == 200 and answer["content-type"] == "application/json"
    return answer.json()["job"]


def test_retrain_trains_in_a_job_that_reports_progress_then_its_result(client, boss, small_intents, monkeypatch):
    reports: list[tuple[float, str]] = []
    report = training_jobs._report

    def spy(job_id: int, share: float, step: str) -> None:  # a spy: the real write happens too
        report(job_id, share, step)
        reports.append((TrainingJob.objects.get(pk=job_id).progress, step))

    monkeypatch.setattr(training_jobs, "_report", spy)
    assert client.get("/admin/bots/intent/").status_code == 200
    assert status(client) is None

    # Tests run tasks inline (HELPDESK_TASK_MODE "sync"), after the request's commit.
    answer = client.post("/admin/bots/intent/retrain/")
    assert answer.status_code == 302 and answer["location"] == "/admin/bots/intent/"

    job = TrainingJob.objects.get()
    assert (job.status, job.progress, job.started_by) == (JobStatus.DONE, 1.0, boss)
    assert job.started_at <= job.finished_at and job.error == ""
    # The row moved as the training went, in order, through the encoding and the fitting.
    shares = [share for share, _ in reports]
    assert shares == sorted(shares) and shares[0] == 0.0 < shares[2] < shares[-1] < 1
    steps = [step for _, step in reports]
    assert steps[1].startswith("encoding examples (18/18)") and "measuring on the hold-out" in steps
    assert steps[-1] == "storing the version"
    # The result: the hold-out figure, the out-of-scope trade-off, the version and its fate.
    version = ModelVersion.objects.get(kind="intent")
    assert job.version == version and version.active and job.activated is True
    assert job.reason == "no active version" and version.note == f"training job #{job.pk} by sofia"
    assert job.accuracy == version.metrics["accuracy"] and 0 <= job.accuracy <= 1
    assert [row["threshold"] for row in job.oos_curve][:2] == [0.2, 0.3]
    assert {"in_scope_accuracy", "oos_recall"} <= set(job.oos_curve[0])

    shown = status(client)
    assert (shown["id"], shown["status"], shown["finished"], shown["activated"]) == (job.pk, "done", True, True)
    assert shown["summary"].startswith(f"Training #{job.pk} done: version {version.pk} is now active")
    assert shown["version_url"] == f"/admin/bots/modelversion/{version.pk}/change/"
    page = client.get("/admin/bots/intent/").content.decode()
    assert shown["summary"] in page and 'id="retrain"' in page and "js/admin/training.js" in page

    (audited,) = AuditEntry.objects.filter(object_type="bots.trainingjob")
    assert (audited.action, audited.actor, audited.object_id) == ("create", boss, str(job.pk))


def test_a_version_that_is_not_activated_says_why(client, boss, small_intents) -> None:
    ModelVersion.objects.create(
        kind="intent", training_size=1, classes=["a", "b"], metrics={"accuracy": 0.9}, head=b"", active=True
    )
    client.post("/admin/bots/intent/retrain/")
    job = TrainingJob.objects.get()
    assert (job.status, job.activated) == (JobStatus.DONE, False)
    assert job.reason.startswith("the intents differ from the active version's")
    assert "was stored but not activated, because the intents differ" in status(client)["summary"]
    assert ModelVersion.objects.get(active=True).classes == ["a", "b"]


def test_one_job_at_a_time_a_second_click_shows_the_running_one(client, boss, small_intents, monkeypatch) -> None:
    # The task is sent but no worker has taken it yet: the job stays queued.
    sent: list[int] = []
    monkeypatch.setattr("bots.admin.run_task", lambda task, job_id: sent.append(job_id))
    first = client.post("/admin/bots/intent/retrain/", follow=True)
    second = client.post("/admin/bots/intent/retrain/", follow=True)
    job = TrainingJob.objects.get()
    assert sent == [job.pk] and job.status == JobStatus.QUEUED
    assert f"Training #{job.pk} started" in first.content.decode()
    assert f"Training #{job.pk} is already under way" in second.content.decode()
    assert status(client)["summary"] == f"Training #{job.pk}: waiting for a worker."
    assert AuditEntry.objects.filter(object_type="bots.trainingjob").count() == 1

    assert training_jobs.training_job_start(actor=boss) == (job, False)
    # Two clicks at once both get past any read: the database's constraint lets one in.
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingJob.objects.create(status=JobStatus.RUNNING)

    # Once it has run, the next click starts a new one.
    training_jobs.training_job_run(job_id=job.pk)
    assert TrainingJob.objects.get(pk=job.pk).status == JobStatus.DONE
    client.post("/admin/bots/intent/retrain/")
    assert TrainingJob.objects.count() == 2 and sent[-1] != job.pk
    # A task delivered twice trains once: only a queued job is claimed.
    training_jobs.training_job_run(job_id=job.pk)
    assert ModelVersion.objects.count() == 1


def test_a_failed_training_is_recorded_with_its_error(client, boss) -> None:
    Intent.objects.create(name="lonely")  # one intent, no examples: nothing to train on
    client.post("/admin/bots/intent/retrain/")
    job = TrainingJob.objects.get()
    assert (job.status, job.activated, job.finished_at is not None) == (JobStatus.FAILED, None, True)
    assert job.error == "ValueError: training needs at least two intents with examples"
    shown = status(client)
    assert shown["status"] == "failed" and shown["summary"].endswith(job.error)
    assert ModelVersion.objects.count() == 0


def test_a_job_whose_worker_died_reads_failed_and_frees_the_next_start(client, boss, monkeypatch) -> None:
    monkeypatch.setattr("bots.admin.run_task", lambda task, job_id: None)  # a worker that never reports back
    client.post("/admin/bots/intent/retrain/")
    job = TrainingJob.objects.get()
    TrainingJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0.4)
    assert status(client)["status"] == "running"  # within the window it may still be working

    silent_since = timezone.now() - training_jobs.STALE_AFTER - timedelta(seconds=1)
    TrainingJob.objects.filter(pk=job.pk).update(updated_at=silent_since)
    shown = status(client)
    assert (shown["status"], shown["finished"]) == ("failed", True)
    assert "No sign of life for 15 minutes" in shown["error"]
    client.post("/admin/bots/intent/retrain/")
    assert TrainingJob.objects.filter(status=JobStatus.QUEUED).count() == 1 and TrainingJob.objects.count() == 2


def test_the_stale_window_outlasts_the_tasks_time_limit() -> None:
    from bots.tasks import train_intent_model

    assert train_intent_model.time_limit == training_jobs.TIME_LIMIT_SECONDS
    assert training_jobs.STALE_AFTER.total_seconds() > train_intent_model.time_limit


def test_outsiders_cannot_start_or_watch_a_training(client, small_intents) -> None:
    agent = make_agent("olga", [])  # an agent: not staff
    client.force_login(agent.user)
    assert client.post("/admin/bots/intent/retrain/").status_code == 302  # to the admin's login
    assert client.get("/admin/bots/intent/training/").status_code == 302
    staff = make_agent("stan", [], supervisor=True)  # staff without the intents' permissions
    client.force_login(staff.user)
    assert client.post("/admin/bots/intent/retrain/").status_code == 403
    assert client.get("/admin/bots/intent/training/").status_code == 403
    assert not TrainingJob.objects.exists()


def test_retrain_is_a_post(client, boss) -> None:
    assert client.get("/admin/bots/intent/retrain/").status_code == 405
    assert not TrainingJob.objects.exists()


# --- the intent's examples ---------------------------------------------------------------------


@pytest.fixture
def crowded(small_intents) -> Intent:
    """An intent with 200 examples, one of them about a parcel in Lisbon."""
    intent = small_intents["order_status"]
    IntentExample.objects.bulk_create(
        IntentExample(intent=intent, text=f"example number {n}: where did my order go " + "x" * 120) for n in range(194)
    )
    IntentExample.objects.filter(intent=intent, text="track my package").update(text="my parcel is stuck in Lisbon")
    return intent


def test_the_intent_page_links_its_examples_and_stays_light(client, boss, crowded) -> None:
    answer = client.get(f"/admin/bots/intent/{crowded.pk}/change/")
    page = answer.content.decode()
    assert answer.status_code == 200 and crowded.examples.count() == 200
    # Inline, 200 examples of this size made a page of over 300 KB; a link is all it needs.
    assert len(answer.content) < 60_000, len(answer.content)
    assert "where did my order go" not in page
    assert f'href="/admin/bots/intentexample/?intent__id__exact={crowded.pk}">200 examples</a>' in page
    assert f'href="/admin/bots/intentexample/add/?intent={crowded.pk}"' in page
    listing = client.get("/admin/bots/intent/").content.decode()
    assert f'href="/admin/bots/intentexample/?intent__id__exact={crowded.pk}">200</a>' in listing


def test_an_intents_examples_are_paginated_and_searchable(client, boss, crowded) -> None:
    url = f"/admin/bots/intentexample/?intent__id__exact={crowded.pk}"
    first = client.get(url)
    assert first.status_code == 200
    assert first.context["cl"].result_count == 200 and len(first.context["cl"].result_list) == 50
    last = client.get(url + "&p=4")
    assert len(last.context["cl"].result_list) == 50
    assert client.get(url + "&p=5")["location"].endswith("?e=1")  # past the last page: the admin says so

    found = client.get(url + "&q=lisbon")
    assert [e.text for e in found.context["cl"].result_list] == ["my parcel is stuck in Lisbon"]
    # Filtered to the intent: another intent's examples stay out, even when they match.
    assert client.get(url + "&q=refund").context["cl"].result_count == 0

    add = client.get(f"/admin/bots/intentexample/add/?intent={crowded.pk}")
    assert add.context["adminform"].form.initial["intent"] == str(crowded.pk)
    answer = client.post(
        "/admin/bots/intentexample/add/", {"intent": crowded.pk, "text": "parcel lost in Porto", "source": "seed"}
    )
    assert answer.status_code == 302 and crowded.examples.count() == 201
    example = IntentExample.objects.get(text="parcel lost in Porto")
    answer = client.post(
        f"/admin/bots/intentexample/{example.pk}/change/",
        {"intent": crowded.pk, "text": "parcel lost near Porto", "source": "seed"},
    )
    assert answer.status_code == 302 and IntentExample.objects.filter(text="parcel lost near Porto").exists()


def test_encoding_in_chunks_for_progress_gives_the_same_features(monkeypatch) -> None:
    """A job's progress comes from encoding in chunks; the model it trains must be the one a
    single call would have trained, so the features must match bit for bit."""
    from bots.ml import intents
    from bots.ml.encoder import load_encoder
    from bots.seed import seed_examples

    texts = [text for values in seed_examples().values() for text in values][::15]
    monkeypatch.setattr(intents, "ENCODE_CHUNK", 64)
    seen: list[str] = []
    encoder = load_encoder()
    chunked = intents.encode_reporting(encoder, texts, lambda share, step: seen.append(step), start=0, end=1)
    assert len(seen) == -(-len(texts) // 64) > 1 and seen[-1] == f"encoding examples ({len(texts)}/{len(texts)})"
    assert (chunked == encoder.encode(texts)).all()
