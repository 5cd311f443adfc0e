"""python manage.py export_articles DIR: the import format, one file per article."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from helpdesk.services.kb_files import articles_export


class Command(BaseCommand):
    help = "Export every knowledge-base article to DIR as Markdown with front matter."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options) -> None:
        count = articles_export(directory)
        self.stdout.write(f"exported {count} article(s) to {directory}")
