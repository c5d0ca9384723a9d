"""Fifty simultaneous submissions by one voter, each on its own database connection: exactly
one ballot is stored (run on PostgreSQL by CI; SQLite serialises writers anyway)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from weiwang.deliberation.models import Ballot, RollEntry
from weiwang.deliberation.services import (
    AlreadyVoted,
    ballot_cast,
    roll_entry_for,
    topic_propose,
    topic_review,
    vote_create,
    vote_open,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("secret", [False, True])
def test_fifty_concurrent_ballots_by_one_voter_leave_one(world, secret):
    topic = topic_propose(
        actor=world.users["resident"],
        title="装健身器材",
        body="小区空地装健身器材",
        signature="李秀英",
        region=world.regions["C"],
    )
    topic_review(actor=world.users["community_worker"], topic=topic, accept=True)
    vote = vote_create(
        actor=None,
        topic=topic,
        question="是否安装",
        kind="yes_no",
        options=[],
        unit="household",
        opens_at=timezone.now() - dt.timedelta(minutes=1),
        closes_at=timezone.now() + dt.timedelta(days=1),
        quorum=Decimal("0.1"),
        threshold="simple",
        secret=secret,
    )
    vote_open(actor=None, vote=vote)
    entry = roll_entry_for(vote, world.residents["zhaoliu"])
    yes = vote.options.first().pk
    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait()
            ballot_cast(vote=vote, entry=entry, choices=[yes])
            result = "ok"
        except AlreadyVoted:
            result = "already"
        except Exception as error:  # a lock timeout would show up here, as a failure
            result = f"error:{error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("already") == 49, outcomes
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert RollEntry.objects.filter(vote=vote, voted=True).count() == 1
