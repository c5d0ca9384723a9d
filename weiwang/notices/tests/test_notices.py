"""Notices: audience resolution (subtree, tags, roles, a union without duplicates), review by
audience size, scheduled publishing, inbox fan-out and read receipts; deliveries to a fake WeCom
robot (payload, 20 a minute, errors) and a fake SMS provider (retries, exactly once when a worker
dies mid-send); SMS splitting; grid-group coverage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from weiwang.audit.models import AuditEntry
from weiwang.core import crypto
from weiwang.core.errors import ApplicationError
from weiwang.notices import notice_services as services
from weiwang.notices import sending
from weiwang.notices.models import Delivery, GridGroup, Notice, Notification
from weiwang.notices.tests.fakes import FakeServer


@pytest.fixture(autouse=True)
def _commit_now(monkeypatch):
    """Run on-commit work (the fan-out, the sending) at once inside the test's transaction."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def fake(settings):
    server = FakeServer()
    settings.WECOM_WEBHOOK_BASE = server.url
    settings.SMS_BACKEND = "http"
    settings.SMS_ENDPOINT = server.url
    settings.SMS_KEY_ID, settings.SMS_SECRET = "k1", "s3cret"
    yield server
    server.close()


def _notice(world, regions=("G1",), **extra):
    return services.notice_save(
        actor=world.users["community_worker"],
        title="停水通知",
        body="明天 9:00–12:00 红星小区停水,请提前储水。",
        regions=[world.regions[r] for r in regions],
        **extra,
    )


def _names(notice):
    return sorted(services.audience_users(notice).values_list("username", flat=True))


def test_the_audience_is_a_subtree_narrowed_by_tags_or_roles_without_duplicates(world):
    notice = _notice(world)
    # 李秀英 is reached both as a resident of grid 1 and through her resident role: once.
    assert _names(notice) == [
        "building_head",
        "grid_worker",
        "micro_grid_worker",
        "party_member",
        "resident",
    ]
    zhang = get_user_model().objects.create_user(username="zhangsan")
    zhang.resident = world.residents["zhangsan"]
    zhang.save()
    assert _names(_notice(world, tag_codes=["advanced_age"])) == ["zhangsan"]
    assert _names(_notice(world, roles=["grid_worker", "micro_grid_worker"])) == [
        "grid_worker",
        "micro_grid_worker",
    ]
    both = _notice(world, regions=("G1", "M1"))  # overlapping regions: still once each
    assert _names(both) == _names(notice) and "zhangsan" in _names(both)
    households = services.notice_save(
        actor=world.users["community_worker"],
        title="上门核查",
        body="x",
        households=[world.residents["wangwu"].household],
    )
    assert services.audience_residents(households).get() == world.residents["wangwu"]


def test_the_body_keeps_only_harmless_markup(world):
    notice = services.notice_save(
        actor=world.users["grid_worker"],
        title="t",
        body='<p onclick="x()">好<script>alert(1)</script><a href="javascript:x">链接</a></p>',
        regions=[world.regions["G1"]],
    )
    assert "script" not in notice.body and "onclick" not in notice.body
    assert "javascript" not in notice.body and "<p>好" in notice.body
    with pytest.raises(ApplicationError):
        _notice(world, link_url="https://evil.example/")


def test_review_follows_the_audience_size_and_never_ones_own(world):
    notice = services.notice_submit(actor=world.users["community_worker"], notice=_notice(world))
    assert notice.status == "review" and notice.audience_size == 5
    with pytest.raises(ApplicationError):  # the author
        services.notice_review(actor=world.users["community_worker"], notice=notice, approve=True)
    with pytest.raises(ApplicationError):  # a grid worker of another grid
        services.notice_review(actor=world.users["grid_worker2"], notice=notice, approve=True)
    published = services.notice_review(
        actor=world.users["grid_worker"], notice=notice, approve=True
    )
    assert published.status == "published"
    assert Notification.objects.filter(notice=notice).count() == 5  # eager fan-out in tests
    big = services.notice_submit(
        actor=world.users["grid_worker"], notice=_notice(world, regions=("C",))
    )
    from weiwang.notices.models import ReviewRule

    ReviewRule.objects.filter(reviewer_role="grid_worker").update(max_audience=3)
    big.refresh_from_db()
    assert services.reviewer_role(big.audience_size) == "community_worker"
    with pytest.raises(ApplicationError):
        services.notice_review(actor=world.users["grid_worker2"], notice=big, approve=True)
    rejected = services.notice_review(
        actor=world.users["street_admin"], notice=big, approve=False, note="写清时间"
    )
    assert rejected.status == "rejected" and not Notification.objects.filter(notice=big).exists()


def test_an_urgent_notice_in_emergency_mode_skips_review_and_is_audited(world):
    from weiwang.emergency.models import Emergency

    Emergency.objects.create(
        region=world.regions["C"],
        region_path=world.regions["C"].path,
        reason="暴雨",
        started_by=world.users["community_worker"],
        started_at=timezone.now(),
    )
    notice = services.notice_submit(
        actor=world.users["community_worker"], notice=_notice(world, priority="urgent")
    )
    assert notice.status == "published"
    assert AuditEntry.objects.filter(action="notices.urgent_without_review").exists()
    inbox = Notification.objects.filter(notice=notice, user=world.users["resident"]).get()
    assert inbox.title.startswith("【紧急】")


def test_a_scheduled_notice_is_published_when_its_time_comes(world):
    later = timezone.now() + dt.timedelta(hours=2)
    notice = services.notice_submit(
        actor=world.users["community_worker"], notice=_notice(world, publish_at=later)
    )
    notice = services.notice_review(actor=world.users["grid_worker"], notice=notice, approve=True)
    assert notice.status == "scheduled" and not Notification.objects.exists()
    assert services.notices_publish_due(now=later - dt.timedelta(minutes=1)) == 0
    assert services.notices_publish_due(now=later + dt.timedelta(minutes=1)) == 1
    assert Notice.objects.get().status == "published"
    assert Notification.objects.filter(notice=notice).count() == 5


def test_fan_out_twice_writes_each_inbox_row_once(world):
    notice = _notice(world)
    Notice.objects.filter(pk=notice.pk).update(status="published")
    services.notice_fan_out(notice.pk)
    services.notice_fan_out(notice.pk)
    assert Notification.objects.filter(notice=notice).count() == 5


def test_reading_a_notice_is_a_read_receipt(world):
    notice = services.notice_submit(actor=world.users["community_worker"], notice=_notice(world))
    services.notice_review(actor=world.users["grid_worker"], notice=notice, approve=True)
    page = world.client("resident").get(reverse("notice_detail", args=[notice.pk]))
    assert "请提前储水" in page.content.decode()
    staff = world.client("community_worker").get(reverse("notice_detail", args=[notice.pk]))
    assert staff.context["receipts"] == {"total": 5, "read": 1}
    assert (
        world.client("grid_worker2").get(reverse("notice_detail", args=[notice.pk])).status_code
        == 404
    )


def _group(world, key="robot-key-1", region="M1"):
    group = GridGroup.objects.create(
        name="红星小区3栋群",
        platform="wecom",
        region=world.regions[region],
        region_path=world.regions[region].path,
        member_count=80,
        webhook_key_encrypted=crypto.encrypt(key),
    )
    group.households.add(world.residents["zhangsan"].household)
    return group


def _published(world, **extra):
    notice = services.notice_submit(
        actor=world.users["community_worker"], notice=_notice(world, **extra)
    )
    return services.notice_review(actor=world.users["grid_worker"], notice=notice, approve=True)


def test_a_group_robot_gets_a_markdown_message_once(world, fake):
    group = _group(world)
    _published(world)
    delivery = Delivery.objects.get(group=group)
    assert delivery.status == "sent" and len(fake.requests) == 1
    request = fake.requests[0]
    assert request["query"]["key"] == ["robot-key-1"]
    assert request["body"]["msgtype"] == "markdown"
    assert "停水通知" in request["body"]["markdown"]["content"]
    assert sending.deliveries_send()["sent"] == 0  # nothing left to send


def test_a_robot_sends_at_most_20_a_minute_and_wecom_errors_are_kept(world, fake):
    group = _group(world)
    for n in range(25):
        notice = _notice(world)
        Notice.objects.filter(pk=notice.pk).update(status="published")
        Delivery.objects.create(
            notice=notice,
            channel="wecom",
            group=group,
            idempotency_key=f"rate-{n}",
            next_attempt_at=timezone.now(),
        )
    counts = sending.deliveries_send()
    assert counts["sent"] == 20 and counts["deferred"] == 5 and len(fake.requests) == 20
    waiting = Delivery.objects.filter(status="queued")
    assert waiting.count() == 5 and all(d.next_attempt_at > timezone.now() for d in waiting)
    fake.answers = [{"errcode": 93000, "errmsg": "invalid webhook url"}]
    Delivery.objects.filter(status="queued").update(
        next_attempt_at=timezone.now() - dt.timedelta(hours=1)
    )
    Delivery.objects.filter(status="sent").update(sent_at=timezone.now() - dt.timedelta(hours=1))
    sending.deliveries_send()
    failed = Delivery.objects.get(status="failed")
    assert "93000" in failed.provider_answer


def test_sms_retries_with_backoff_and_is_sent_once_when_a_worker_dies(world, fake):
    fake.default = {"code": 0, "id": "provider-1"}
    fake.answers = [{"code": 1, "message": "busy", "retry": True}]
    _published(world, send_sms=True, send_groups=False)
    deliveries = Delivery.objects.filter(channel="sms")
    assert deliveries.count() == 3  # the residents of grid 1 with a phone: 张三, 李秀英, 赵六
    retrying = deliveries.get(status="queued")
    assert retrying.attempts == 1 and retrying.next_attempt_at > timezone.now()
    # Simulated crash: a worker claimed the delivery and the provider got the message, but the
    # worker died before recording it.
    Delivery.objects.filter(pk=retrying.pk).update(
        status="sending", lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    sms = sending.sms_adapter()
    phone = crypto.decrypt(retrying.resident.phones.first().number_encrypted)
    sms.send(phone=phone, text="x", message_id=retrying.idempotency_key)
    before = len(fake.requests)
    sending.deliveries_send()
    retrying.refresh_from_db()
    assert retrying.status == "sent"
    assert len(fake.requests) == before  # the provider dropped the same message id
    assert {r["body"]["out_id"] for r in fake.requests} == set(
        deliveries.values_list("idempotency_key", flat=True)
    )


def test_a_wecom_delivery_interrupted_mid_send_is_not_sent_twice(world, fake):
    group = _group(world)
    notice = _notice(world)
    delivery = Delivery.objects.create(
        notice=notice,
        channel="wecom",
        group=group,
        idempotency_key="crash-1",
        status="sending",
        lease_until=timezone.now() - dt.timedelta(seconds=1),
        next_attempt_at=timezone.now(),
    )
    sending.deliveries_send()
    delivery.refresh_from_db()
    assert delivery.status == "uncertain" and not fake.requests


def test_sms_text_is_split_as_phones_join_it():
    assert sending.sms_segments("a" * 160) == ["a" * 160]
    assert [len(p) for p in sending.sms_segments("a" * 161)] == [153, 8]
    assert sending.sms_segments("停" * 70) == ["停" * 70]
    assert [len(p) for p in sending.sms_segments("停" * 71)] == [67, 4]
    parts = sending.sms_segments("停" * 66 + "😀" + "水" * 4)  # the emoji would straddle a part
    assert parts == ["停" * 66, "😀水水水水"]
    assert sending.sms_segments("") == []


def test_group_coverage_counts_residents_of_households_in_a_group(world):
    from weiwang.notices.selectors import coverage

    _group(world)  # 张三's household (2 residents) in a group
    rows, total = coverage(world.regions["G1"])
    assert (total.reached, total.residents) == (2, 3)
    assert {r.region.name: (r.reached, r.residents) for r in rows} == {
        "第1微网格": (2, 2),
        "第2微网格": (0, 1),
    }
    page = world.client("grid_worker").get(
        reverse("grid_groups") + f"?region={world.regions['G1'].pk}"
    )
    assert [h.pk for h in page.context["unreached"]] == [world.residents["zhaoliu"].household_id]


def test_a_request_in_a_group_becomes_a_case(world):
    from weiwang.cases.models import Case, CaseCategory

    group = _group(world)
    client = world.client("grid_worker")
    response = client.post(
        reverse("grid_group_case", args=[group.pk]),
        {"text": "3栋电梯又坏了", "category": CaseCategory.objects.first().pk, "who": "张三"},
    )
    case = Case.objects.get()
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert "3栋电梯又坏了" in case.description and case.micro_grid == world.regions["M1"]


def test_the_webhook_key_is_stored_encrypted_and_never_shown(world):
    client = world.client("grid_worker")
    client.post(
        reverse("grid_group_new"),
        {
            "name": "第1网格群",
            "platform": "wecom",
            "region": world.regions["G1"].pk,
            "webhook_key": "secret-key-9",
        },
    )
    group = GridGroup.objects.get()
    assert "secret-key-9" not in group.webhook_key_encrypted
    assert crypto.decrypt(group.webhook_key_encrypted) == "secret-key-9"
    page = client.get(reverse("grid_group", args=[group.pk]))
    assert "secret-key-9" not in page.content.decode()


def test_staff_write_submit_and_review_on_the_pages(world):
    author = world.client("community_worker")
    bad = author.post(reverse("notice_new"), {"title": "停水", "body": "明天停水"})
    assert bad.status_code == 400 and "发给哪些网格" in bad.content.decode()
    made = author.post(
        reverse("notice_new"),
        {"title": "停水", "body": "明天停水\n\n请储水", "regions": [world.regions["G1"].pk]},
    )
    notice = Notice.objects.get()
    assert made["Location"] == reverse("notice_detail", args=[notice.pk])
    assert notice.body == "<p>明天停水</p><p>请储水</p>"
    author.post(reverse("notice_submit", args=[notice.pk]))
    reviewer = world.client("grid_worker")
    listed = reviewer.get(reverse("notice_list"))
    assert notice in listed.context["to_review"]
    reviewer.post(reverse("notice_review", args=[notice.pk]), {"approve": "1"})
    assert Notice.objects.get().status == "published"
    received = world.client("resident").get(reverse("notice_list"))
    assert [n.pk for n in received.context["page"]] == [notice.pk]


def test_a_fan_out_that_died_is_run_again_by_the_minute_job(world):
    notice = _notice(world)
    Notice.objects.filter(pk=notice.pk).update(
        status="published", published_at=timezone.now() - dt.timedelta(minutes=5)
    )
    services.notices_publish_due()
    assert Notification.objects.filter(notice=notice).count() == 5
    assert Notice.objects.get().fanned_out_at is not None


def test_staff_send_to_chosen_households_by_address(world):
    author = world.client("grid_worker")
    address = world.residents["zhangsan"].household.dwelling.address
    bad = author.post(reverse("notice_new"), {"title": "上门", "body": "x", "addresses": "火星1号"})
    assert bad.status_code == 400 and "火星1号" in bad.content.decode()
    far = world.residents["wangwu"].household.dwelling.address  # grid 2: not grid 1's worker's
    refused = author.post(reverse("notice_new"), {"title": "上门", "body": "x", "addresses": far})
    assert refused.status_code == 400
    author.post(reverse("notice_new"), {"title": "上门核查", "body": "x", "addresses": address})
    notice = Notice.objects.get()
    assert list(notice.households.all()) == [world.residents["zhangsan"].household]
    assert sorted(services.audience_residents(notice).values_list("name", flat=True)) == [
        "张三",
        "李秀英",
    ]


def test_the_api_lists_notices_and_reading_one_is_a_receipt(world):
    notice = _published(world)
    api = world.api("resident")
    [listed] = api.get("/api/v1/notices").json()
    assert listed["id"] == notice.pk and listed["unread"] is True
    detail = api.get(f"/api/v1/notices/{notice.pk}").json()
    assert "请提前储水" in detail["body"]
    assert api.get("/api/v1/notices").json()[0]["unread"] is False
    assert world.api("grid_worker2").get(f"/api/v1/notices/{notice.pk}").status_code == 404


def test_admins_set_who_reviews_by_audience_size(world):
    from weiwang.notices.models import ReviewRule

    admin = world.client("street_admin")
    first = ReviewRule.objects.order_by("max_audience").first()
    bad = admin.post(reverse("notice_review_rules"), {f"size-{first.pk}": "0"})
    assert bad.status_code == 400
    admin.post(
        reverse("notice_review_rules"), {f"size-{first.pk}": "3", f"role-{first.pk}": "grid_worker"}
    )
    assert services.reviewer_role(4) == "community_worker"
    assert AuditEntry.objects.filter(action="notices.rules").exists()
    assert world.client("community_worker").get(reverse("notice_review_rules")).status_code == 404


def test_a_refused_attachment_saves_nothing_and_a_good_one_is_kept(world):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    author = world.client("grid_worker")
    form = {"title": "停水", "body": "明天停水", "regions": [world.regions["G1"].pk]}
    exe = SimpleUploadedFile("setup.exe", b"MZ", content_type="application/octet-stream")
    refused = author.post(reverse("notice_new"), {**form, "files": exe})
    assert refused.status_code == 400 and "setup.exe" in refused.content.decode()
    assert not Notice.objects.exists()  # a second try will not leave a duplicate draft
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(out, format="JPEG")
    photo = SimpleUploadedFile("map.jpg", out.getvalue(), content_type="image/jpeg")
    author.post(reverse("notice_new"), {**form, "files": photo})
    [attachment] = Notice.objects.get().attachments.all()
    assert attachment.is_image and attachment.name == "map.jpg"
