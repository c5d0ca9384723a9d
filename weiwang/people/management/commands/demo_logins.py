from __future__ import annotations

from django.core.management.base import BaseCommand

from weiwang.accounts.models import User
from weiwang.people.demo import DEMO_PASSWORD

DEMO_USERNAMES = [
    "district_admin",
    "street_admin",
    "community_staff",
    "grid1",
    "grid2",
    "grid3",
    "grid4",
    "grid5",
    "micro1",
    "resident1",
]


class Command(BaseCommand):
    help = "Print the demo logins that exist in this database."

    def handle(self, *args, **options) -> None:
        users = User.objects.filter(username__in=DEMO_USERNAMES).prefetch_related(
            "role_assignments__region"
        )
        by_name = {u.username: u for u in users}
        if not by_name:
            self.stdout.write("No demo logins here (run `manage.py seed_demo`).")
            return
        self.stdout.write(f"\nDemo logins (password: {DEMO_PASSWORD})")
        for username in DEMO_USERNAMES:
            user = by_name.get(username)
            if user is None:
                continue
            roles = "; ".join(
                f"{a.get_role_display()} @ {a.region.name}" for a in user.role_assignments.all()
            )
            self.stdout.write(f"  {username:<16} {user.display_name:<10} {roles}")
        self.stdout.write("")
