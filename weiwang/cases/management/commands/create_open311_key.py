from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from weiwang.cases.models import Open311Key
from weiwang.cases.open311 import open311_key_create


class Command(BaseCommand):
    help = "Issue an Open311 API key for a client (printed once; only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="who the key is for, e.g. 12345热线对接")

    def handle(self, *args, name: str, **options) -> None:
        if Open311Key.objects.filter(name=name).exists():
            raise CommandError(f"A key named {name!r} exists already; choose another name.")
        _key, secret = open311_key_create(name=name)
        self.stdout.write(f"Open311 API key for {name}: {secret}")
        self.stdout.write("Give it to the client now; it cannot be shown again.")
