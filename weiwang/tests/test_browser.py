"""Real Chromium through Playwright: what a grid worker sees on a phone and on a desktop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from weiwang.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def _orm_beside_playwright():
    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM
    # calls are still synchronous, so Django's async-safety guard is lifted for these tests only.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_orm_beside_playwright):
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: apt-get install -y chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _login(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_grid_worker_browses_to_a_resident_at_phone_size(browser, live_server):
    build_world()
    page = browser.new_page(viewport={"width": 375, "height": 667}, is_mobile=True)
    _login(page, live_server.url, "grid_worker", "pw-grid_worker")
    steps = ["第1网格(红星小区)", "第1微网格", "红星小区 3栋", "1单元", "501", "张三"]
    for step in steps:
        page.get_by_role("link", name=step).first.click()
        page.wait_for_load_state()
        # Nothing on any page of the walk is wider than the phone screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url
    assert page.locator("h1").inner_text() == "张三"
    assert page.locator("[data-field=id-number]").inner_text() == "5101**********1234"
    # Touch targets are large enough to hit with a thumb.
    height = page.get_by_role("link", name="红星小区3栋1单元501").bounding_box()["height"]
    assert height >= 40
    page.close()


def test_search_by_initials_and_reveal_at_desktop_size(browser, live_server):
    world = build_world()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    _login(page, live_server.url, "grid_worker", "pw-grid_worker")
    page.get_by_placeholder("查找居民:姓名、拼音首字母、电话后4位").fill("zs")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="张三").click()
    page.get_by_text("查看完整身份证号和电话").click()
    page.get_by_label("查看原因").fill("核对高龄补贴")
    page.get_by_role("button", name="查看并记录").click()
    assert page.locator("[data-field=id-number]").inner_text() == "510121196503031234"
    # Another grid's resident is not reachable by a guessed id.
    response = page.goto(f"{live_server.url}/residents/{world.residents['wangwu'].pk}/")
    assert response.status == 404
    page.close()


def test_staff_upload_fix_mapping_check_and_import(browser, live_server, tmp_path, settings):
    """The import page in a real browser, with the work in a background thread and the page
    polling for progress."""
    from weiwang.conftest import valid_id
    from weiwang.people.models import Resident

    settings.TASKS_EAGER = False
    build_world()
    sheet = tmp_path / "花名册.csv"
    sheet.write_text(
        "兴乐社区花名册\n\n姓名,证件,住址\n"
        f"浏览器甲,{valid_id('19500101', 701)},红星小区3栋1单元701\n"
        "浏览器乙,510121196503031235,红星小区3栋1单元702\n",
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 375, "height": 667}, is_mobile=True)
    _login(page, live_server.url, "community_worker", "pw-community_worker")
    page.get_by_role("link", name="导入居民花名册").click()
    page.get_by_label("居民花名册").set_input_files(str(sheet))
    page.get_by_role("button", name="上传").click()
    page.get_by_text("表头识别得不对?修正列的对应关系").click()
    page.get_by_label("身份证号").select_option(label="2. 证件")
    page.get_by_role("button", name="保存对应关系").click()
    page.get_by_role("button", name="检查文件(不写入)").click()
    page.wait_for_selector("text=校验位不正确", timeout=15000)
    assert page.locator("[data-count=refused]").inner_text() == "1"
    page.get_by_label("只导入没有错误的行(否则有任何错误就全部不导入)").check()
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_selector("[data-field=status]:has-text('已导入')", timeout=15000)
    assert page.locator("[data-count=ok]").inner_text() == "1"
    assert Resident.objects.filter(name="浏览器甲").exists()
    assert not Resident.objects.filter(name="浏览器乙").exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.close()


def _reference_data() -> None:
    """Transactional tests empty every table afterwards, the migration's categories too."""
    import importlib

    from django.apps import apps

    from weiwang.cases.models import CaseCategory

    if not CaseCategory.objects.exists():
        importlib.import_module("weiwang.cases.migrations.0002_reference_data").load(apps, None)


def _phone_photo(tmp_path) -> str:
    from PIL import Image

    path = tmp_path / "现场.jpg"
    Image.new("RGB", (1200, 900), "orange").save(path, format="JPEG")
    return str(path)


def test_a_case_from_phone_report_to_resident_rating(browser, live_server, tmp_path):
    """The micro-grid worker registers a resident's complaint with a photo on a phone and
    passes it up, the grid worker escalates it to the community, the community closes it and
    the resident rates it."""
    build_world()
    _reference_data()
    base = live_server.url
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}

    page = browser.new_page(**phone)
    _login(page, base, "micro_grid_worker", "pw-micro_grid_worker")
    page.get_by_role("link", name="事件").first.click()
    page.get_by_role("link", name="上报事件").first.click()
    page.get_by_label("分类").select_option(label="环境整治")
    page.get_by_label("发生了什么").fill("3栋1单元楼道堆满纸箱,住户反映无法通行")
    page.get_by_label("地点", exact=True).select_option(label="红星小区3栋")
    page.get_by_label("房号").fill("501")
    page.get_by_text("更多信息").click()
    page.get_by_label("来源").select_option(label="居民反映(代为登记)")
    page.get_by_label("照片").set_input_files(_phone_photo(tmp_path))
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/cases/*/")
    assert page.locator("[data-field=state]").inner_text() == "待受理"
    assert page.locator(".photos img").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    case_url = page.url
    page.get_by_label("说明(上报、退回、办结、不予受理、督办须填写)").fill("涉及多户,请网格协调")
    page.get_by_role("button", name="上报上级").click()
    assert page.locator("[data-field=state]").inner_text() == "已上报"
    page.close()

    page = browser.new_page(**phone)
    _login(page, base, "grid_worker", "pw-grid_worker")
    page.goto(case_url)
    page.get_by_label("说明(上报、退回、办结、不予受理、督办须填写)").fill("需社区统筹物业")
    page.get_by_role("button", name="上报上级").click()
    assert page.locator("[data-field=state]").inner_text() == "已上报"
    page.close()

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    _login(page, base, "community_worker", "pw-community_worker")
    page.get_by_role("link", name="事件").first.click()
    page.get_by_role("link", name="3栋1单元楼道堆满纸箱").first.click()
    page.get_by_role("button", name="受理", exact=True).click()
    page.get_by_label("说明(上报、退回、办结、不予受理、督办须填写)").fill("物业已清运,楼道畅通")
    page.get_by_role("button", name="办结").click()
    assert page.locator("[data-field=state]").inner_text() == "待评价"
    page.close()

    page = browser.new_page(**phone)
    _login(page, base, "resident", "pw-resident")
    page.get_by_role("link", name="消息").first.click()
    page.get_by_role("link", name="您反映的事已办结").first.click()
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    assert page.locator("[data-field=state]").inner_text() == "已归档"
    page.close()


def test_a_resident_votes_on_a_phone(browser, live_server):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from weiwang.deliberation.models import Ballot
    from weiwang.deliberation.services import topic_propose, topic_review, vote_create, vote_open

    world = build_world()
    topic = topic_propose(
        actor=world.users["community_worker"],
        title="垃圾桶摆放位置",
        body="高层住户希望就近摆放,低层住户担心气味和蚊虫。",
        signature="兴乐社区党委",
        region=world.regions["C"],
    )
    topic_review(actor=world.users["community_worker"], topic=topic, accept=True)
    vote = vote_create(
        actor=world.users["community_worker"],
        topic=topic,
        question="垃圾桶改设在楼栋之间的集中投放点",
        kind="yes_no",
        options=[],
        unit="household",
        opens_at=timezone.now() - dt.timedelta(minutes=5),
        closes_at=timezone.now() + dt.timedelta(days=2),
        quorum=Decimal("0.5"),
        threshold="simple",
        secret=True,
    )
    vote_open(actor=None, vote=vote)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    _login(page, live_server.url, "resident", "pw-resident")
    page.get_by_role("link", name="消息").first.click()
    page.get_by_role("link", name="垃圾桶摆放位置").first.click()
    page.get_by_role("link", name="垃圾桶改设在楼栋之间的集中投放点").click()
    page.get_by_label("赞成").check()
    page.get_by_role("button", name="投票", exact=True).click()
    receipt = page.locator("[data-field=receipt]").inner_text()
    assert len(receipt) == 8
    assert "已经投过票了" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ballot = Ballot.objects.get(vote=vote)
    assert ballot.roll_entry is None and receipt not in ballot.receipt_hash
    page.close()


def test_a_visit_recorded_offline_is_uploaded_once_back_online(browser, live_server):
    from weiwang.visits.models import Visit

    world = build_world()
    household = world.residents["zhangsan"].household_id
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    _login(page, live_server.url, "grid_worker", "pw-grid_worker")
    page.goto(f"{live_server.url}/visits/new/{household}/")
    context.set_offline(True)  # the stairwell
    page.get_by_label("电话").check()
    page.get_by_label("了解到的情况").fill("老人在家,精神不错")
    page.get_by_role("button", name="保存").click()
    assert "已保存在手机上" in page.locator("[data-offline-status]").inner_text()
    assert Visit.objects.count() == 0
    context.set_offline(False)  # signal again: the queue is sent
    from playwright.sync_api import expect

    expect(page.locator("[data-offline-status]")).to_contain_text("已上传", timeout=10_000)
    assert Visit.objects.count() == 1
    visit = Visit.objects.get()
    assert visit.kind == "phone" and visit.found == "老人在家,精神不错"
    # Loading another page flushes an empty queue: still exactly one visit.
    page.goto(f"{live_server.url}/visits/")
    page.wait_for_load_state("networkidle")
    assert Visit.objects.count() == 1
    context.close()


def test_a_survey_task_is_filled_offline_on_a_phone_with_a_conditional_question(
    browser, live_server
):
    import datetime as dt

    from django.utils import timezone
    from playwright.sync_api import expect

    from weiwang.surveys import services
    from weiwang.surveys.models import SurveyTask

    world = build_world()
    actor = world.users["community_worker"]
    form = services.form_create(actor=actor, title="春节返乡人员摸排")
    returned = services.question_add(
        actor=actor, form=form, kind="yes_no", label="家中有人返乡吗", required=True
    )
    how_many = services.question_add(
        actor=actor,
        form=form,
        kind="number",
        label="返乡人数",
        required=True,
        show_if=returned,
        show_if_value="yes",
    )
    campaign = services.campaign_create(
        actor=actor,
        form=form,
        region=world.regions["C"],
        title="春节返乡人员摸排",
        deadline=timezone.now() + dt.timedelta(days=2),
    )
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    _login(page, live_server.url, "micro_grid_worker", "pw-micro_grid_worker")
    page.goto(f"{live_server.url}/surveys/tasks/")
    page.get_by_role("link", name="红星小区").first.click()
    count = page.get_by_label("返乡人数")
    expect(count).to_be_hidden()  # shown only once 是 is chosen
    page.get_by_label("是").check()
    expect(count).to_be_visible()
    count.fill("2")
    context.set_offline(True)
    page.get_by_role("button", name="保存").click()
    assert "已保存在手机上" in page.locator("[data-offline-status]").inner_text()
    task = SurveyTask.objects.get(
        campaign=campaign, household=world.residents["zhangsan"].household
    )
    assert task.answered_at is None
    context.set_offline(False)
    expect(page.locator("[data-offline-status]")).to_contain_text("已上传", timeout=10_000)
    task.refresh_from_db()
    assert task.answers == {str(returned.pk): "yes", str(how_many.pk): 2}
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_a_resident_signs_up_on_a_phone_checks_in_by_qr_and_sees_points(browser, live_server):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone
    from playwright.sync_api import expect

    from weiwang.volunteers.models import PointRule, Signup
    from weiwang.volunteers.services import activity_create
    from weiwang.volunteers.views import _ACTIVITY_CODE

    world = build_world()
    PointRule.objects.get_or_create(  # migration data, gone after an earlier flush
        code="service",
        defaults={
            "name": "志愿服务时长",
            "points_per_hour": Decimal("1.0"),
            "max_hours_per_activity": Decimal("2.0"),
        },
    )
    start = timezone.now() - dt.timedelta(hours=2)
    activity = activity_create(
        actor=world.users["community_worker"],
        community=world.regions["C"],
        title="元宵节送汤圆",
        place="社区广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        shifts=[("煮汤圆", start, start + dt.timedelta(hours=4), 10)],
        description="为独居老人煮汤圆、送汤圆。",
    )
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    _login(page, live_server.url, "resident", "pw-resident")
    page.get_by_role("link", name="志愿").click()
    page.get_by_role("link", name="元宵节送汤圆").click()
    page.get_by_role("button", name="报名", exact=True).click()
    expect(page.get_by_text("报名成功")).to_be_visible()
    # Scanning the code at the square opens the check-in page.
    page.goto(f"{live_server.url}/v/{_ACTIVITY_CODE.sign(str(activity.pk))}/")
    page.get_by_role("button", name="签到").click()
    expect(page.get_by_text("签到成功")).to_be_visible()
    # An hour and a half of service later (moved back in the database), the same code again.
    Signup.objects.filter(volunteer=world.users["resident"]).update(
        checked_in_at=timezone.now() - dt.timedelta(minutes=90)
    )
    page.reload()
    page.get_by_role("button", name="签退").click()
    expect(page.get_by_text("已签退").first).to_be_visible()
    page.get_by_role("link", name="看我的积分").click()
    expect(page.locator("[data-field=balance]")).to_have_text("1.5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_staff_publish_a_notice_to_one_grid_and_only_its_residents_see_it(browser, live_server):
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from weiwang.accounts.models import Role
    from weiwang.accounts.services import role_assign
    from weiwang.notices.models import Notice

    world = build_world()
    # 王五 lives in grid 2 and has an account too.
    wangwu = get_user_model().objects.create_user(username="wangwu", password="pw-wangwu")
    wangwu.resident = world.residents["wangwu"]
    wangwu.save()
    role_assign(user=wangwu, role=Role.RESIDENT, region=world.regions["M2"])
    desk = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(desk, live_server.url, "community_worker", "pw-community_worker")
    desk.goto(f"{live_server.url}/notices/new/")
    desk.get_by_label("标题").fill("红星小区明日停水")
    desk.get_by_label("正文(空一行分段)").fill("明天 9:00–12:00 停水,请提前储水。")
    desk.get_by_label("第1网格(红星小区)").check()
    desk.get_by_role("button", name="保存草稿").click()
    desk.get_by_role("button", name="提交审核").click()
    expect(desk.get_by_text("已提交审核")).to_be_visible()
    notice = Notice.objects.get()
    reviewer = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(reviewer, live_server.url, "grid_worker", "pw-grid_worker")
    reviewer.goto(f"{live_server.url}/notices/{notice.pk}/")
    reviewer.get_by_role("button", name="通过并发布").click()
    expect(reviewer.get_by_text("已审核")).to_be_visible()
    phone = browser.new_page(viewport={"width": 375, "height": 667}, is_mobile=True)
    _login(phone, live_server.url, "resident", "pw-resident")
    phone.get_by_role("link", name="通知", exact=True).click()
    phone.get_by_role("link", name="红星小区明日停水").click()
    expect(phone.get_by_text("请提前储水")).to_be_visible()
    other = browser.new_page(viewport={"width": 375, "height": 667}, is_mobile=True)
    _login(other, live_server.url, "wangwu", "pw-wangwu")
    other.get_by_role("link", name="通知", exact=True).click()
    expect(other.get_by_text("还没有发给您的通知")).to_be_visible()
    assert other.get_by_text("红星小区明日停水").count() == 0
    for page in (desk, reviewer, phone, other):
        page.close()


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_a_leader_clicks_down_the_map_from_the_district_to_a_grid_and_sees_its_list(
    browser, live_server
):
    from playwright.sync_api import expect

    from weiwang.cases.models import CaseCategory
    from weiwang.cases.services import case_report
    from weiwang.dashboards.demo import seed_demo_boundaries
    from weiwang.dashboards.services import aggregate_regions

    world = build_world()
    _reference_data()
    for micro in ("M1", "M1b", "M2"):
        case_report(
            actor=world.users["grid_worker"],
            category=CaseCategory.objects.first(),
            description="路灯不亮",
            micro_grid=world.regions[micro],
            source="worker",
        )
    seed_demo_boundaries()  # outlines for every region, and the cases placed inside them
    aggregate_regions()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, live_server.url, "district_admin", "pw-district_admin")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("h1")).to_have_text("新都区 · 数据驾驶舱")
    expect(page.locator("#chart-ranking canvas")).to_be_visible()  # ECharts drew the ranking
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    for key, heading in [
        ("S", "新都街道 · 数据驾驶舱"),
        ("C", "兴乐社区 · 数据驾驶舱"),
        ("G1", "第1网格(红星小区) · 数据驾驶舱"),
    ]:
        if key == "G1":
            page.locator("#dash-map").screenshot(path=str(SCREENSHOTS / "map.png"))
        page.locator(f'#dash-map path[data-region="{world.regions[key].pk}"]').click()
        expect(page.locator("h1")).to_have_text(heading)
    children = page.locator("#children")
    expect(children.get_by_role("link", name="第1微网格")).to_be_visible()
    expect(page.locator('[data-figure="cases_received"]')).to_have_text("2")
    page.locator('[data-figure="cases_received"] a').click()
    expect(page.locator("main, body").get_by_text("路灯不亮").first).to_be_visible()
    phone = browser.new_page(viewport={"width": 375, "height": 667}, is_mobile=True)
    _login(phone, live_server.url, "community_worker", "pw-community_worker")
    phone.goto(f"{live_server.url}/dashboard/")
    expect(phone.locator("#dash-map path[data-region]").first).to_be_attached()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    for each in (page, phone):
        each.close()
