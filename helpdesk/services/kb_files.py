"""Knowledge-base articles as files: import a help centre's Markdown export, export ours.

The format is ../shared/spec/knowledge-base.md §1: one `*.md` file per article, a YAML front
matter block (title, owner_team, review_interval_days, status; also intents, steps, owner, url),
then the Markdown body. A file that cannot be read is reported with its path and reason and
the others still import; each file is one transaction, so nothing is half-imported. With
`replace`, what the folder lacks is archived, except the articles its broken files name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction
from django.utils import timezone

from ..models import Article, ArticleStatus, ArticleVersion, Queue
from .kb import article_changed, kb_index_bump

# The model's limits, checked per file so that a value the database would refuse is reported
# with its file like any other mistake (a review once in ten years is as far as a cycle goes).
MAX_URL = 200
MAX_REVIEW_DAYS = 3650
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)


class ArticleFileError(ValueError):
    """Why one file cannot be imported, in words a supervisor can act on."""


@dataclass(frozen=True)
class ArticleFile:
    title: str
    body: str
    status: str = ArticleStatus.DRAFT
    owner_team: str | None = None
    review_interval_days: int = 90
    intents: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    owner: str | None = None
    url: str = ""


@dataclass
class ImportReport:
    lines: list[tuple[str, str, str]] = field(default_factory=list)  # (outcome, title or path, detail)

    def add(self, outcome: str, name: str, detail: str = "") -> None:
        self.lines.append((outcome, name, detail))

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line[0] == outcome)

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0


def parse_article(text: str) -> ArticleFile:
    """One file's text as an article, or ArticleFileError saying what is wrong with it."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise ArticleFileError("no front matter: the file must start with a '---' line, the fields, and '---'")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise ArticleFileError(f"bad YAML in the front matter: {str(error).splitlines()[0]}") from error
    if not isinstance(meta, dict):
        raise ArticleFileError("the front matter must be 'key: value' lines")
    body = match.group(2).strip()
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ArticleFileError("title is required")
    if len(title.strip()) > 200:
        raise ArticleFileError("title is longer than 200 characters")
    if not body:
        raise ArticleFileError("the body is empty")
    status = meta.get("status", ArticleStatus.DRAFT)
    if status not in ArticleStatus.values:
        raise ArticleFileError(f"unknown status {status!r}; one of {', '.join(ArticleStatus.values)}")
    interval = meta.get("review_interval_days", 90)
    if not isinstance(interval, int) or isinstance(interval, bool) or not 1 <= interval <= MAX_REVIEW_DAYS:
        raise ArticleFileError(f"review_interval_days must be a whole number of days, 1 to {MAX_REVIEW_DAYS}")
    url = meta.get("url") or ""
    if url:
        if not isinstance(url, str):
            raise ArticleFileError("url must be an http(s) address")
        if len(url) > MAX_URL:
            raise ArticleFileError(f"url is longer than {MAX_URL} characters")
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as error:
            raise ArticleFileError(f"url is not an http(s) address: {url!r}") from error
    owner_team = meta.get("owner_team")
    if owner_team is not None and not isinstance(owner_team, str):
        raise ArticleFileError("owner_team must be a queue's name")
    return ArticleFile(
        title=title.strip(),
        body=body,
        status=status,
        owner_team=owner_team.strip() if owner_team else None,
        review_interval_days=interval,
        intents=_texts(meta, "intents"),
        steps=_texts(meta, "steps"),
        owner=str(meta["owner"]).strip() if meta.get("owner") else None,
        url=url,
    )


def _texts(meta: dict[str, Any], key: str) -> tuple[str, ...]:
    value = meta.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ArticleFileError(f"{key} must be a list of texts")
    return tuple(v.strip() for v in value)


def articles_import(
    directory: Path, *, replace: bool = False, reviewed: bool = False, who: AbstractBaseUser | None = None
) -> ImportReport:
    """Import every `*.md` under `directory`. `reviewed`: the articles count as reviewed now;
    without it they are due for review at once. `replace`: articles not in `directory` are
    archived (never deleted: their history stays)."""
    report = ImportReport()
    seen: set[int] = set()
    unread: set[str] = set()  # titles named by files that failed: their articles stay as they are
    for path in sorted(directory.rglob("*.md")):
        name = str(path.relative_to(directory))
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as error:
            report.add("failed", name, str(error))
            continue
        try:
            parsed = parse_article(text)
            with transaction.atomic():
                article, outcome = _save(parsed, reviewed=reviewed, who=who)
        except ArticleFileError as error:
            report.add("failed", name, str(error))
            unread |= _named_title(text)
            continue
        except DatabaseError as error:
            # A value the checks above let through but the database refused: this file's
            # transaction is rolled back, and the others go on.
            report.add("failed", name, f"the database refused it: {str(error).splitlines()[0]}")
            unread |= _named_title(text)
            continue
        seen.add(article.pk)
        report.add(outcome, article.title)
    if replace:
        # Articles not in the folder are archived (knowledge-base.md §1). A broken file that
        # still names its title keeps that article as it was, rather than archive it on a typo.
        missing = Article.objects.exclude(pk__in=seen).exclude(status=ArticleStatus.ARCHIVED)
        for article in missing.order_by("title"):
            if article.title.casefold() in unread:
                continue
            article.status = ArticleStatus.ARCHIVED
            with transaction.atomic():
                article.save(update_fields=["status", "updated_at"])
                article_changed(article_id=article.pk)
            report.add("archived", article.title)
    return report


_TITLE_LINE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def _named_title(text: str) -> set[str]:
    """The title a file that failed still names in its front matter, if a `title:` line can be
    read at all (casefolded, as titles are matched)."""
    match = FRONT_MATTER.match(text)
    found = _TITLE_LINE.search(match.group(1) if match else text[:2000])
    return {found.group(1).strip("'\"").strip().casefold()} if found else set()


def _save(parsed: ArticleFile, *, reviewed: bool, who: AbstractBaseUser | None) -> tuple[Article, str]:
    owner_team = None
    if parsed.owner_team:
        owner_team = Queue.objects.filter(name__iexact=parsed.owner_team).first()
        if owner_team is None:
            known = ", ".join(Queue.objects.order_by("name").values_list("name", flat=True))
            raise ArticleFileError(f"unknown owner_team {parsed.owner_team!r}; the queues are: {known}")
    owner = None
    if parsed.owner:
        users = get_user_model().objects
        owner = users.filter(username=parsed.owner).first() or users.filter(email__iexact=parsed.owner).first()
        if owner is None:
            raise ArticleFileError(f"unknown owner {parsed.owner!r}: no user has that username or email")
    values = {
        "title": parsed.title,
        "body": parsed.body,
        "status": parsed.status,
        "owner_team": owner_team,
        "owner": owner,
        "review_interval_days": parsed.review_interval_days,
        "intents": list(parsed.intents),
        "steps": list(parsed.steps),
        "url": parsed.url,
    }
    article = Article.objects.select_for_update().filter(title__iexact=parsed.title).first()
    if article is not None and all(getattr(article, k) == v for k, v in values.items()):
        if reviewed:
            article.last_reviewed_at = timezone.now()
            article.save(update_fields=["last_reviewed_at", "updated_at"])
            kb_index_bump()
        return article, "unchanged"
    outcome = "updated" if article is not None else "created"
    article = article or Article()
    for key, value in values.items():
        setattr(article, key, value)
    # Imported content is vouched for only with --reviewed; otherwise it is due at once.
    article.last_reviewed_at = timezone.now() if reviewed else None
    article.save()
    ArticleVersion.objects.create(article=article, title=article.title, body=article.body, edited_by=who)
    article_changed(article_id=article.pk)
    return article, outcome


def article_to_file(article: Article) -> str:
    """The import format, so that exporting and importing again changes nothing."""
    meta: dict[str, Any] = {"title": article.title}
    if article.owner_team_id:
        meta["owner_team"] = article.owner_team.name
    meta["review_interval_days"] = article.review_interval_days
    meta["status"] = article.status
    for key in ("intents", "steps"):
        if getattr(article, key):
            meta[key] = list(getattr(article, key))
    if article.owner_id:
        meta["owner"] = article.owner.get_username()
    if article.url:
        meta["url"] = article.url
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip()
    return f"---\n{front}\n---\n{article.body.strip()}\n"


def articles_export(directory: Path) -> int:
    """Every article, archived ones included, one file each, named after its title."""
    directory.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    count = 0
    for article in Article.objects.select_related("owner_team", "owner").order_by("title", "pk"):
        stem = re.sub(r"[^a-z0-9]+", "-", article.title.lower()).strip("-")[:80] or "article"
        name, n = stem, 2
        while name in taken:
            name, n = f"{stem}-{n}", n + 1
        taken.add(name)
        (directory / f"{name}.md").write_text(article_to_file(article), encoding="utf-8")
        count += 1
    return count
