"""Party building: organisations follow the grid, figures come from the records, the needs
list moves from posted to rated, quarterly service records and their sheet."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from weiwang.core.errors import ApplicationError
from weiwang.party import selectors, services
from weiwang.party.models import Need


@pytest.fixture
def party(world):
    staff = world.users["community_worker"]
    committee = services.organisation_create(
        actor=staff, region=world.regions["C"], level="committee"
    )
    branch = services.organisation_create(actor=staff, region=world.regions["G1"], level="branch")
    world.org = {"committee": committee, "branch": branch}
    world.member = services.member_register(
        actor=staff,
        organisation=branch,
        name="赵六",
        resident=world.residents["zhaoliu"],
        user=world.users["party_member"],
        serves=world.regions["M1b"],
        skills="水电维修",
    )
    world.unit = services.unit_register(
        actor=staff, community=world.regions["C"], name="新都区人民医院", resources="义诊"
    )
    return world


def test_organisations_mirror_the_grid_and_need_their_parent(party):
    staff = party.users["community_worker"]
    assert party.org["branch"].parent == party.org["committee"]
    with pytest.raises(ApplicationError):  # a branch belongs to a grid, not a community
        services.organisation_create(actor=staff, region=party.regions["C"], level="branch")
    with pytest.raises(ApplicationError):  # grid 3's community has no committee yet
        services.organisation_create(actor=staff, region=party.regions["G3"], level="branch")
    with pytest.raises(ApplicationError):
        services.organisation_create(actor=staff, region=party.regions["G1"], level="branch")
    group = services.organisation_create(actor=staff, region=party.regions["M1"], level="group")
    assert group.name == "第1微网格党小组" and group.parent == party.org["branch"]


def test_figures_are_counted_from_the_records(party):
    staff = party.users["community_worker"]
    services.identity_show(actor=staff, member=party.member)
    in_service = services.member_register(
        actor=staff, organisation=party.org["committee"], name="钱七", relation="dual"
    )
    with pytest.raises(ApplicationError):  # a local member does not dual-register
        services.dual_register(actor=staff, member=party.member, unit=party.unit)
    services.dual_register(actor=staff, member=in_service, unit=party.unit)
    figures = selectors.figures(party.regions["C"])
    assert (figures.members, figures.shown, figures.dual, figures.units, figures.organisations) == (
        1,
        1,
        1,
        1,
        1,
    )
    with pytest.raises(ApplicationError):
        services.identity_show(actor=staff, member=party.member)


def test_a_central_household_looks_after_neighbours_of_its_micro_grid(party):
    staff = party.users["community_worker"]
    near = party.residents["zhaoliu"].household  # the member's own home is left out
    far = party.residents["wangwu"].household
    central = services.central_household_set(actor=staff, member=party.member, neighbours=[near])
    assert central.household == near and central.neighbours.count() == 0
    with pytest.raises(ApplicationError):
        services.central_household_set(actor=staff, member=party.member, neighbours=[far])


def test_a_need_is_posted_claimed_done_and_rated(party):
    resident = party.users["resident"]
    need = services.need_post(actor=resident, community=party.regions["C"], title="帮忙换灯泡")
    with pytest.raises(ApplicationError):
        services.need_move(actor=resident, need=need, move="rate", rating=5)
    need = services.need_move(actor=None, need=need, move="claim", member=party.member)
    with pytest.raises(ApplicationError):  # claimed once
        services.need_move(actor=None, need=need, move="claim", unit=party.unit)
    need = services.need_move(actor=None, need=need, move="done", note="已换好")
    with pytest.raises(ApplicationError):
        services.need_move(actor=resident, need=need, move="rate", rating=6)
    need = services.need_move(actor=resident, need=need, move="rate", rating=5, note="很及时")
    assert (need.status, need.rating, need.rating_comment) == ("rated", 5, "很及时")


def test_the_needs_pages_let_a_resident_post_a_member_claim_and_the_resident_rate(party):
    resident = party.client("resident")
    posted = resident.post(reverse("need_new"), {"title": "老人需要代买药"})
    need = Need.objects.get()
    assert posted["Location"] == reverse("need_detail", args=[need.pk])
    member = party.client("party_member")
    member.post(reverse("need_move", args=[need.pk]), {"move": "claim"})
    # Only the claimer (or staff) marks it done; only the poster rates.
    resident.post(reverse("need_move", args=[need.pk]), {"move": "done"})
    assert Need.objects.get().status == "claimed"
    member.post(reverse("need_move", args=[need.pk]), {"move": "done", "note": "已送到"})
    member.post(reverse("need_move", args=[need.pk]), {"move": "rate", "rating": "1"})
    assert Need.objects.get().rating is None
    resident.post(reverse("need_move", args=[need.pk]), {"move": "rate", "rating": "4"})
    assert Need.objects.get().rating == 4
    assert party.client("nobody").get(reverse("need_detail", args=[need.pk])).status_code == 404


def test_quarterly_records_count_needs_and_volunteer_hours_and_export(party):
    need = services.need_post(
        actor=party.users["resident"], community=party.regions["C"], title="修水管"
    )
    services.need_move(actor=None, need=need, move="claim", member=party.member)
    services.need_move(actor=None, need=need, move="done")
    services.need_move(actor=party.users["resident"], need=need, move="rate", rating=4)
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    staff = party.client("community_worker")
    page = staff.get(reverse("party_records") + f"?year={today.year}&quarter={quarter}")
    [row] = page.context["rows"]
    assert (row.needs_done, row.rating) == (1, 4.0)
    sheet = staff.get(
        reverse("party_records") + f"?year={today.year}&quarter={quarter}&format=xlsx"
    )
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[2][:4] == ("赵六", "第1网格(红星小区)党支部", "组织关系在社区", 1)
    other = staff.get(reverse("party_records") + f"?year={today.year - 1}&quarter={quarter}")
    assert other.context["rows"][0].needs_done == 0
    unit_page = staff.get(reverse("party_unit_record", args=[party.unit.pk]))
    assert "新都区人民医院" in unit_page.content.decode()


def test_the_party_home_shows_the_figures_to_residents(party):
    page = party.client("resident").get(reverse("party_home"))
    assert page.context["figures"].members == 1 and "兴乐社区党建" in page.content.decode()


def test_quarter_bounds_cover_the_year(db):
    start, end = selectors.quarter_bounds(2026, 4)
    assert (start.month, end.year, end.month) == (10, 2027, 1)
    assert selectors.quarter_bounds(2026, 1)[0].date() == dt.date(2026, 1, 1)


def test_the_api_posts_claims_and_rates_needs(party):
    resident = party.api("resident")
    assert resident.get("/api/v1/party/figures").json()["members"] == 1
    made = resident.post("/api/v1/party/needs", {"title": "代缴水费"}, "application/json")
    assert made.status_code == 201
    url = f"/api/v1/party/needs/{made.json()['id']}/actions"
    assert resident.post(url, {"move": "claim"}, "application/json").status_code == 404
    member = party.api("party_member")
    claimed = member.post(url, {"move": "claim"}, "application/json").json()
    assert claimed["member"] == "赵六"
    member.post(url, {"move": "done"}, "application/json")
    bad = resident.post(url, {"move": "rate", "rating": 9}, "application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "rating"
    assert (
        resident.post(url, {"move": "rate", "rating": 5}, "application/json").json()["rating"] == 5
    )


def test_staff_choose_a_central_households_neighbours_on_the_page(party):
    from weiwang.party.models import CentralHousehold
    from weiwang.people.services import household_create
    from weiwang.regions.models import Dwelling

    home = party.residents["zhaoliu"].household
    other = Dwelling.objects.create(
        unit=home.dwelling.unit,
        room="102",
        micro_grid=home.micro_grid,
        region_path=home.region_path,
        address="红星小区4栋1单元102",
    )
    neighbour = household_create(dwelling=other)
    url = reverse("party_central", args=[party.member.pk])
    page = party.client("community_worker").get(url)
    assert [h.pk for h in page.context["nearby"]] == [neighbour.pk]
    party.client("community_worker").post(url, {"neighbours": [neighbour.pk]})
    assert list(CentralHousehold.objects.get().neighbours.all()) == [neighbour]
