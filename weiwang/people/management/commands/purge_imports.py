from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from weiwang.people.import_jobs import import_files_purge


class Command(BaseCommand):
    help = (
        "Delete uploaded sheets and result sheets not used for WEIWANG_IMPORT_FILE_HOURS "
        "(run from cron or a Celery beat schedule; new uploads also trigger it)."
    )

    def handle(self, *args, **options) -> None:
        purged = import_files_purge()
        self.stdout.write(
            f"Deleted the files of {purged} import(s) older than "
            f"{settings.IMPORT_FILE_HOURS} hours."
        )
