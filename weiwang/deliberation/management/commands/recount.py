from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from weiwang.deliberation.models import Vote, VoteStatus
from weiwang.deliberation.services import tally


class Command(BaseCommand):
    help = "Recompute a closed vote's tally from its ballots and roll; exit 1 if it disagrees."

    def add_arguments(self, parser) -> None:
        parser.add_argument("vote_id", type=int)

    def handle(self, *args, vote_id: int, **options) -> None:
        vote = Vote.objects.filter(pk=vote_id).first()
        if vote is None:
            raise CommandError(f"No vote {vote_id}.")
        if vote.status != VoteStatus.CLOSED:
            raise CommandError(f"Vote {vote_id} is not closed yet; nothing to compare.")
        recounted = tally(vote)
        if recounted != vote.result:
            self.stdout.write(f"stored:     {json.dumps(vote.result, ensure_ascii=False)}")
            self.stdout.write(f"recounted:  {json.dumps(recounted, ensure_ascii=False)}")
            raise CommandError(f"Vote {vote_id}: the recount DISAGREES with the published result.")
        self.stdout.write(
            f"Vote {vote_id}: the recount agrees — {recounted['voted']} of {recounted['roll']} "
            f"voted, passed: {recounted['passed']}."
        )
