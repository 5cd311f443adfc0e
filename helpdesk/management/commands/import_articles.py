"""python manage.py import_articles DIR [--replace] [--reviewed] (knowledge-base.md §1)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.services.kb_files import articles_import


class Command(BaseCommand):
    help = "Import knowledge-base articles: every *.md file under DIR, front matter then Markdown."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--replace", action="store_true", help="Archive the articles that are not in DIR.")
        parser.add_argument("--reviewed", action="store_true", help="The imported articles count as reviewed now.")

    def handle(self, *args, directory: Path, replace: bool, reviewed: bool, **options) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        report = articles_import(directory, replace=replace, reviewed=reviewed)
        for outcome, name, detail in report.lines:
            line = f"{outcome:<9} {name}" + (f": {detail}" if detail else "")
            self.stdout.write(self.style.ERROR(line) if outcome == "failed" else line)
        outcomes = ("created", "updated", "unchanged", "archived", "failed")
        summary = ", ".join(f"{report.count(outcome)} {outcome}" for outcome in outcomes)
        self.stdout.write(summary)
        if report.failed:
            raise CommandError(f"{report.count('failed')} file(s) failed; the others were imported")
