from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from weiwang.audit.models import AuditEntry
from weiwang.audit.services import audit_record, verify_chain


@pytest.fixture
def entries(db):
    return [
        audit_record(actor=None, action="test.event", target_type="thing", target_id=i)
        for i in range(5)
    ]


def test_intact_chain_verifies(entries):
    report = verify_chain()
    assert report.intact and report.checked == 5
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "5 entries verified" in out.getvalue()


def test_entries_cannot_be_changed_or_deleted_through_the_orm(entries):
    entry = entries[0]
    entry.reason = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_altered_row_is_caught_and_named(entries):
    _raw("UPDATE audit_auditentry SET reason = %s WHERE id = %s", ["tampered", entries[2].pk])
    report = verify_chain()
    assert report.bad_entry_id == entries[2].pk and report.checked == 2
    with pytest.raises(CommandError, match=f"entry #{entries[2].pk}"):
        call_command("verify_audit")


def test_deleted_row_in_the_middle_is_caught(entries):
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    assert verify_chain().bad_entry_id == entries[2].pk


def test_deleted_newest_row_is_caught(entries):
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[4].pk])
    report = verify_chain()
    assert not report.intact and "newest" in report.problem


def test_verify_audit_exits_non_zero_from_the_shell(entries, tmp_path):
    """The command-line contract: a broken log means exit status 1."""
    _raw("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["x", entries[0].pk])
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")
    assert caught.value.returncode == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_the_chain_intact():
    """Writers in parallel threads (real connections) must still form one unbroken chain."""
    import threading

    from django.db import connections

    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                audit_record(actor=None, action="test.race", target_type="t", target_id=f"{n}-{i}")
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    report = verify_chain()
    assert report.intact and report.checked == 40
