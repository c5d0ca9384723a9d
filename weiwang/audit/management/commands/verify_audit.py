from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from weiwang.audit.services import verify_chain


class Command(BaseCommand):
    help = "Prove the audit log intact: recompute the hash chain; exit 1 at the first bad entry."

    def handle(self, *args, **options) -> None:
        report = verify_chain()
        if not report.intact:
            where = f"entry #{report.bad_entry_id}" if report.bad_entry_id else "end of log"
            raise CommandError(
                f"Audit log broken at {where}: {report.problem}. "
                f"{report.checked} entries before it are intact."
            )
        self.stdout.write(f"Audit log intact: {report.checked} entries verified.")
