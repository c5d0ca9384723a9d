from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from weiwang.people.importing import (
    UnreadableFile,
    import_sheet,
    read_sheet,
    refused_lines,
    write_error_report,
)
from weiwang.regions.models import Region, RegionLevel


class Command(BaseCommand):
    help = (
        "Import a resident sheet (.xlsx, .xls, .csv) into a community. Exit status 0 when every "
        "row was imported, 1 when rows were refused (they are listed), 2 when the file cannot "
        "be read."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--community", required=True, help="community code or exact name")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid rows, refuse the others"
        )
        parser.add_argument("--report", type=Path, help="write the sheet with 错误原因 here")

    def handle(
        self,
        *args,
        file: Path,
        community: str,
        dry_run: bool,
        skip_invalid: bool,
        report: Path | None,
        **options,
    ) -> None:
        target = self._community(community)
        try:
            sheet = read_sheet(file)
        except (UnreadableFile, OSError) as error:
            raise CommandError(f"Cannot read {file}: {error}", returncode=2) from None
        result = import_sheet(
            actor=None, sheet=sheet, community=target, dry_run=dry_run, skip_invalid=skip_invalid
        )
        if report:
            with report.open("wb") as out:
                write_error_report(out, result)
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(result.counts.items()))
        state = "committed" if result.committed else "nothing written"
        self.stdout.write(f"{len(sheet.rows)} rows ({counts}); {state}.")
        if sheet.unknown_headers:
            self.stdout.write(f"Columns not used: {', '.join(sheet.unknown_headers)}")
        if result.refused:
            for line in refused_lines(result):
                self.stdout.write(line)
            raise CommandError(f"{len(result.refused)} rows refused.", returncode=1)

    @staticmethod
    def _community(text: str) -> Region:
        communities = Region.objects.filter(level=RegionLevel.COMMUNITY)
        matches = list(communities.filter(code=text)) or list(communities.filter(name=text))
        if len(matches) != 1:
            raise CommandError(f"No single community with code or name {text!r}.", returncode=2)
        return matches[0]
