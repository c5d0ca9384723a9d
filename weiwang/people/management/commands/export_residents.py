from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from weiwang.people.models import Resident
from weiwang.people.services import residents_export
from weiwang.regions.models import Region


class Command(BaseCommand):
    help = "Export the residents of a region (by code or exact name) to a masked .xlsx file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--region", required=True, help="region code or exact name")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def handle(self, *args, region: str, out: str, **options) -> None:
        matches = list(Region.objects.filter(code=region)) or list(
            Region.objects.filter(name=region)
        )
        if len(matches) != 1:
            found = "no region" if not matches else f"{len(matches)} regions"
            raise CommandError(f"{found} with code or name {region!r}; use the region code.")
        node = matches[0]
        residents = Resident.objects.filter(region_path__startswith=node.path).order_by("id")
        try:
            with open(out, "wb") as handle:
                count = residents_export(
                    actor=None, residents=residents, out=handle, description=f"region={node.code}"
                )
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}") from None
        self.stdout.write(f"Exported {count} residents of {node.name} (masked) to {out}.")
