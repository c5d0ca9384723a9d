from __future__ import annotations

from weiwang.audit.models import AuditEntry
from weiwang.people.models import PopulationTag


def test_admin_adds_a_tag_with_its_reason(world):
    client = world.client("district_admin")
    response = client.post(
        "/tags/",
        {"code": "empty_nest", "name": "空巢老人", "purpose": "定期走访", "active": "on"},
    )
    assert response.status_code == 302
    tag = PopulationTag.objects.get(code="empty_nest")
    assert tag.name == "空巢老人" and tag.active and not tag.sensitive
    assert AuditEntry.objects.filter(action="tag.create", target_id=str(tag.pk)).exists()
    assert "空巢老人" in client.get("/tags/").content.decode()


def test_a_duplicate_name_is_refused_with_a_message_and_nothing_changes(world):
    client = world.client("district_admin")
    before = PopulationTag.objects.count()
    response = client.post("/tags/", {"code": "again", "name": "高龄老人", "purpose": "x"})
    assert response.status_code == 400
    assert "名称“高龄老人”已被其他标签使用" in response.content.decode()
    assert PopulationTag.objects.count() == before


def test_a_tag_without_a_reason_is_refused(world):
    response = world.client("district_admin").post("/tags/", {"code": "x", "name": "某类"})
    assert response.status_code == 400
    assert not PopulationTag.objects.filter(code="x").exists()


def test_retired_tags_leave_the_search_filter_but_stay_on_residents(world):
    client = world.client("district_admin")
    tag = world.tags["advanced_age"]
    response = client.post(
        f"/tags/{tag.pk}/",
        {
            "code": "ignored",
            "name": "高龄老人",
            "purpose": "高龄津贴",
            "sensitive": "",
            "active": "",
        },
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert not tag.active and tag.code == "advanced_age"  # the code cannot be changed
    search = client.get("/residents/").content.decode()
    assert 'value="advanced_age"' not in search
    zhang = client.get(f"/residents/{world.residents['zhangsan'].pk}/").content.decode()
    assert "高龄老人" in zhang
