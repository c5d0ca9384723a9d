from __future__ import annotations

from weiwang.audit.models import AuditEntry
from weiwang.audit.services import verify_chain
from weiwang.conftest import ZHANG_SAN_ID


def test_resident_page_shows_masked_id_and_phone(world):
    page = world.client("grid_worker").get(f"/residents/{world.residents['zhangsan'].pk}/")
    html = page.content.decode()
    assert "5101**********1234" in html
    assert "138****5678" in html
    assert ZHANG_SAN_ID not in html and "13800005678" not in html


def test_id_and_phone_are_encrypted_at_rest(world):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_resident")
        resident_rows = repr(cursor.fetchall())
        cursor.execute("SELECT * FROM people_residentphone")
        phone_rows = repr(cursor.fetchall())
    assert ZHANG_SAN_ID not in resident_rows
    assert "13800005678" not in phone_rows


def test_reveal_with_a_reason_shows_full_values_and_writes_an_audit_entry(world):
    zhang = world.residents["zhangsan"]
    response = world.client("grid_worker").post(
        f"/residents/{zhang.pk}/reveal/", {"reason": "办理高龄补贴"}
    )
    html = response.content.decode()
    assert ZHANG_SAN_ID in html and "13800005678" in html
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="resident.reveal")
    assert entry.actor == world.users["grid_worker"]
    assert entry.target_id == str(zhang.pk) and entry.reason == "办理高龄补贴"
    assert ZHANG_SAN_ID not in repr(entry.detail)
    assert verify_chain().intact


def test_reveal_without_a_reason_is_refused_and_not_audited(world):
    zhang = world.residents["zhangsan"]
    response = world.client("grid_worker").post(f"/residents/{zhang.pk}/reveal/", {"reason": " "})
    assert response.status_code == 400
    assert ZHANG_SAN_ID not in response.content.decode()
    assert not AuditEntry.objects.filter(action="resident.reveal").exists()


def test_micro_grid_volunteer_sees_masked_values_but_cannot_reveal(world):
    client = world.client("micro_grid_worker")
    zhang = world.residents["zhangsan"]
    page = client.get(f"/residents/{zhang.pk}/").content.decode()
    assert "5101**********1234" in page and "查看完整身份证号和电话" not in page
    assert client.post(f"/residents/{zhang.pk}/reveal/", {"reason": "好奇"}).status_code == 404
    assert not AuditEntry.objects.filter(action="resident.reveal").exists()


def test_volunteers_do_not_see_sensitive_tags(world):
    zhang = world.residents["zhangsan"]
    staff = world.client("grid_worker").get(f"/residents/{zhang.pk}/").content.decode()
    volunteer = world.client("micro_grid_worker").get(f"/residents/{zhang.pk}/").content.decode()
    assert "重病慢病" in staff and "高龄老人" in staff
    assert "重病慢病" not in volunteer and "高龄老人" in volunteer
