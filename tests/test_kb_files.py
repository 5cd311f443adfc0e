"""manage.py import_articles / export_articles, as knowledge-base.md §1 says, against real files."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from helpdesk.models import Article, ArticleStatus, ArticleVersion

pytestmark = pytest.mark.django_db

UK = """---
title: Delivery to the UK and customs fees
owner_team: General
review_interval_days: 60
status: published
url: https://help.shop.example/uk-delivery
---
Orders to the UK ship from our EU warehouse.

## Customs
You may pay import VAT on delivery.
"""

RETURNS = """---
title: Returning an item
owner_team: Returns
status: published
intents: [return_policy]
---
You can return unworn items within 30 days.
"""


def write(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_articles", *args, stdout=out)
    return out.getvalue()


def test_a_help_centre_imports_recursively_and_again_unchanged(queues, tmp_path: Path) -> None:
    write(tmp_path, "shipping/uk.md", UK)
    write(tmp_path, "returns.md", RETURNS)
    out = run(str(tmp_path), "--reviewed")
    assert "created   Delivery to the UK and customs fees" in out and "2 created" in out
    uk = Article.objects.get(title="Delivery to the UK and customs fees")
    assert (uk.owner_team.name, uk.review_interval_days, uk.status) == ("General", 60, ArticleStatus.PUBLISHED)
    assert uk.url == "https://help.shop.example/uk-delivery" and uk.body.startswith("Orders to the UK")
    assert not uk.is_overdue()  # --reviewed
    assert Article.objects.get(title="Returning an item").intents == ["return_policy"]

    assert "2 unchanged" in run(str(tmp_path))
    write(tmp_path, "returns.md", RETURNS.replace("30 days", "60 days"))
    out = run(str(tmp_path))
    assert "updated   Returning an item" in out
    returns = Article.objects.get(title="Returning an item")
    assert "60 days" in returns.body and returns.is_overdue()  # not vouched for: due at once
    assert ArticleVersion.objects.filter(article=returns).count() == 2  # a new version in its history


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Just a body, no front matter.", "no front matter"),
        ("---\ntitle: [unclosed\n---\nbody", "bad YAML"),
        ("---\ntitle: X\nstatus: live\n---\nbody", "unknown status 'live'"),
        ("---\ntitle: X\n---\n   \n", "the body is empty"),
        ("---\nstatus: published\n---\nbody", "title is required"),
        ("---\ntitle: X\nowner_team: Marketing\n---\nbody", "unknown owner_team 'Marketing'"),
        ("---\ntitle: X\nreview_interval_days: soon\n---\nbody", "review_interval_days"),
        ("---\ntitle: X\nreview_interval_days: 99999999999\n---\nbody", "review_interval_days"),
        ("---\ntitle: X\nurl: https://help.example/" + "a" * 200 + "\n---\nbody", "url is longer than 200"),
        ("---\ntitle: X\nurl: [1, 2]\n---\nbody", "url must be"),
    ],
)
def test_a_broken_file_is_named_with_its_reason_and_the_others_still_import(
    queues, tmp_path: Path, text: str, reason: str
) -> None:
    write(tmp_path, "good.md", RETURNS)
    write(tmp_path, "broken.md", text)
    out = StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_articles", str(tmp_path), stdout=out)
    assert "failed    broken.md: " in out.getvalue() and reason in out.getvalue()
    assert Article.objects.filter(title="Returning an item").exists()
    assert not Article.objects.filter(title="X").exists()  # nothing half-imported


def test_replace_archives_what_is_missing_never_deletes(queues, tmp_path: Path) -> None:
    before = Article.objects.count()
    write(tmp_path, "uk.md", UK)
    out = run(str(tmp_path), "--replace", "--reviewed")
    assert out.count("archived") >= 2 and Article.objects.count() == before + 1
    statuses = set(Article.objects.exclude(title__startswith="Delivery").values_list("status", flat=True))
    assert statuses == {ArticleStatus.ARCHIVED}


def test_replace_still_archives_while_a_file_is_broken_but_keeps_the_one_it_names(queues, tmp_path: Path) -> None:
    # A broken file must not keep the rest of the desk's old articles answering (the spec's
    # --replace), nor archive the article it was meant to update.
    kept = Article.objects.filter(status=ArticleStatus.PUBLISHED).order_by("title").first()
    write(tmp_path, "uk.md", UK)
    write(tmp_path, "kept.md", f"---\ntitle: {kept.title}\nstatus: live\n---\nbody")
    write(tmp_path, "unreadable.md", "no front matter")
    out = StringIO()
    with pytest.raises(CommandError, match="^2 file"):
        call_command("import_articles", str(tmp_path), "--replace", stdout=out)
    assert ", 2 failed" in out.getvalue()
    kept.refresh_from_db()
    assert kept.status == ArticleStatus.PUBLISHED
    others = Article.objects.exclude(pk=kept.pk).exclude(title__startswith="Delivery to the UK")
    assert set(others.values_list("status", flat=True)) == {ArticleStatus.ARCHIVED}


def test_export_then_import_changes_nothing(queues, tmp_path: Path) -> None:
    write(tmp_path / "in", "uk.md", UK)
    write(tmp_path / "in", "returns.md", RETURNS)
    run(str(tmp_path / "in"), "--reviewed")
    call_command("export_articles", str(tmp_path / "out"), stdout=StringIO())
    files = sorted(p.name for p in (tmp_path / "out").glob("*.md"))
    assert "delivery-to-the-uk-and-customs-fees.md" in files and len(files) == Article.objects.count()
    out = run(str(tmp_path / "out"))
    assert "0 created, 0 updated" in out
