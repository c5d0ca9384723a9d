from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from weiwang.conftest import ZHANG_SAN_ID, valid_id
from weiwang.people.importing import Address, parse_address
from weiwang.people.models import LifeEvent, Resident
from weiwang.regions.models import Region

A = valid_id("19500101", 501)
B = valid_id("19520202", 502)
HEADER = ["姓名", "公民身份号码", "手机号", "住址", "与户主关系", "人员类型", "特殊人群"]
GOOD = [
    ["新人甲", A, "13900001111", "红星小区3栋1单元502", "户主", "常住", "高龄老人"],
    ["新人乙", B, "", "红星小区３-１-５０２", "配偶", "流动", ""],
]
BAD = [
    ["错号", "510121196503031235", "", "红星小区3栋1单元503", "户主", "", ""],
    ["外人", valid_id("19600101", 503), "", "不存在小区1栋1单元101", "", "", ""],
    ["未划分", valid_id("19600101", 505), "", "红星小区9栋1单元101", "", "", ""],
    ["重复", A, "", "红星小区3栋1单元502", "子女", "", ""],
]


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", header=HEADER) -> Path:
    lines = ["兴乐社区居民花名册,,,", "", ",".join(header)] + [",".join(r) for r in rows]
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


def _run(path: Path, *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_residents", str(path), "--community", "兴乐社区", *extra, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"address": "汉嘉国际社区3栋2单元1201"}, Address("汉嘉国际社区", "3", "2", "1201")),
        ({"address": "汉嘉国际社区3栋2单元1201室"}, Address("汉嘉国际社区", "3", "2", "1201")),
        (
            {"address": "3-2-1201", "estate": "汉嘉国际社区"},
            Address("汉嘉国际社区", "3", "2", "1201"),
        ),
        ({"address": "汉嘉国际社区三栋二单元1201室"}, Address("汉嘉国际社区", "3", "2", "1201")),
        ({"address": "红星小区十二栋一单元301"}, Address("红星小区", "12", "1", "301")),
        (
            {"estate": "红星小区", "building": "3栋", "unit": "二单元", "room": "501室"},
            Address("红星小区", "3", "2", "501"),
        ),
    ],
)
def test_addresses_in_the_forms_people_write(values, expected):
    assert parse_address(values) == expected


def test_one_bad_row_refuses_the_whole_file_and_says_why(world, tmp_path):
    code, output = _run(_csv(tmp_path / "a.csv", GOOD + BAD))
    assert code == 1
    assert "校验位不正确" in output
    assert "小区“不存在小区”不在兴乐社区" in output
    assert "红星小区9栋还没有划入微网格" in output
    assert "与第 4 行的身份证号重复" in output
    assert not Resident.objects.filter(name__in=["新人甲", "新人乙"]).exists()


def test_valid_rows_only_then_reimport_changes_nothing(world, tmp_path):
    path = _csv(tmp_path / "b.csv", GOOD + BAD)
    before = Region.objects.get(pk=world.regions["M1"].pk).resident_count
    code, output = _run(path, "--skip-invalid")
    assert code == 1 and "created: 2" in output
    jia = Resident.objects.get(name="新人甲")
    assert jia.household.dwelling.address == "红星小区3栋1单元502"
    assert jia.micro_grid_id == world.regions["M1"].pk  # the unit's micro-grid
    assert jia.phones.get().number_masked == "139****1111"
    assert list(jia.tag_links.values_list("tag__name", flat=True)) == ["高龄老人"]
    yi = Resident.objects.get(name="新人乙")
    assert yi.household_id == jia.household_id and yi.residence_type == "floating"
    assert Region.objects.get(pk=world.regions["M1"].pk).resident_count == before + 2
    code, output = _run(_csv(tmp_path / "c.csv", GOOD))
    assert code == 0 and "unchanged: 2" in output
    assert Resident.objects.filter(name__startswith="新人").count() == 2


def test_a_changed_row_updates_the_resident_and_its_history(world, tmp_path):
    _run(_csv(tmp_path / "d.csv", GOOD))
    changed = [[*GOOD[0][:2], "13900002222", *GOOD[0][3:]], GOOD[1]]
    code, output = _run(_csv(tmp_path / "e.csv", changed))
    assert code == 0 and "updated: 1" in output
    jia = Resident.objects.get(name="新人甲")
    assert jia.phones.count() == 2
    event = LifeEvent.objects.get(resident=jia, kind="updated")
    assert "电话" in event.note


def test_dry_run_writes_nothing(world, tmp_path):
    code, output = _run(_csv(tmp_path / "f.csv", GOOD), "--dry-run")
    assert code == 0 and "ready: 2" in output and "nothing written" in output
    assert not Resident.objects.filter(name="新人甲").exists()


def test_gbk_csv_with_separate_address_columns(world, tmp_path):
    header = ["姓名", "身份证号", "小区", "楼栋", "单元", "房号"]
    rows = [["新人丙", valid_id("19700101", 507), "红星小区", "三栋", "二单元", "1201"]]
    code, _output = _run(_csv(tmp_path / "g.csv", rows, encoding="gbk", header=header))
    assert code == 0
    bing = Resident.objects.get(name="新人丙")
    assert bing.household.dwelling.address == "红星小区3栋2单元1201"


def test_xlsx_with_a_merged_title_and_full_width_digits(world, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["兴乐社区居民名册"])
    sheet.merge_cells("A1:D1")
    sheet.append(["姓 名", "身份证号 ", "联系电话", "住址"])
    full_width = valid_id("19800101", 509).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    sheet.append(["新人丁", full_width, "１３９０００３３３３３", "汉嘉国际社区1栋1单元1202室"])
    path = tmp_path / "h.xlsx"
    workbook.save(path)
    code, output = _run(path)
    assert code == 0, output
    ding = Resident.objects.get(name="新人丁")
    assert ding.micro_grid_id == world.regions["M2"].pk


def test_an_id_registered_in_another_household_is_refused(world, tmp_path):
    rows = [["张三", ZHANG_SAN_ID, "", "汉嘉国际社区1栋1单元1202", "", "", ""]]
    code, output = _run(_csv(tmp_path / "i.csv", rows))
    assert code == 1 and "已登记在“红星小区3栋1单元501”" in output


def test_error_report_is_the_sheet_with_a_reason_column(world, tmp_path):
    report = tmp_path / "report.xlsx"
    _run(_csv(tmp_path / "j.csv", GOOD + BAD), "--report", str(report))
    rows = list(load_workbook(report, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][-1] == "错误原因"
    assert rows[1][-1] in (None, "") and "校验位" in rows[3][-1]


def test_files_it_cannot_read_exit_with_2(world, tmp_path):
    garbage = tmp_path / "x.xlsx"
    garbage.write_bytes(b"not a workbook")
    assert _run(garbage)[0] == 2
    no_header = _csv(tmp_path / "y.csv", [["a", "b"]], header=["甲", "乙"])
    code, output = _run(no_header)
    assert code == 2 and "姓名" in output
    assert _run(tmp_path / "missing.csv")[0] == 2


def test_xls_with_a_merged_title(world, tmp_path):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("花名册")
    sheet.write_merge(0, 0, 0, 3, "兴乐社区居民名册")
    for col, title in enumerate(["姓名", "身份证号", "联系电话", "住址"]):
        sheet.write(1, col, title)
    for col, value in enumerate(["新人戊", valid_id("19900101", 511), "13900006666", "3-1-1501"]):
        sheet.write(2, col, value)
    path = tmp_path / "k.xls"
    book.save(str(path))
    code, output = _run(path)
    assert code == 1 and "小区“?”" in output  # "3-1-1501" names no estate and there is no column
    sheet.write(1, 4, "小区")
    sheet.write(2, 4, "红星小区")
    book.save(str(path))
    code, output = _run(path)
    assert code == 0, output
    assert Resident.objects.get(name="新人戊").household.dwelling.address == "红星小区3栋1单元1501"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["", A, "", "红星小区3栋1单元801", "", "", ""], "缺少姓名"),
        (["某人", "51012119651303123X", "", "红星小区3栋1单元801", "", "", ""], "身份证号"),
        (["某人", A, "12345", "红星小区3栋1单元801", "", "", ""], "电话号码格式不正确"),
        (["某人", A, "", "红星小区3栋1单元801", "表哥", "", ""], "与户主关系“表哥”无法识别"),
        (["某人", A, "", "红星小区3栋1单元801", "", "外星", ""], "人员类型“外星”无法识别"),
        (["某人", A, "", "红星小区3栋1单元801", "", "", "富豪"], "没有名为“富豪”的人群标签"),
        (["某人", A, "", "某处某地", "", "", ""], "看不懂地址"),
    ],
)
def test_each_refusal_reason(world, tmp_path, row, reason):
    code, output = _run(_csv(tmp_path / "reason.csv", [row]))
    assert code == 1 and reason in output


def test_an_impossible_birth_date_is_refused(world, tmp_path):
    impossible = valid_id("19650230", 123)  # 30 February
    rows = [["某人", impossible, "", "红星小区3栋1单元801", "", "", ""]]
    code, output = _run(_csv(tmp_path / "date.csv", rows))
    assert code == 1 and "出生日期或地区码无效" in output


def test_a_building_staff_put_into_a_micro_grid_can_be_imported(world, tmp_path):
    client = world.client("grid_worker")
    micro = world.regions["M1b"]
    page = client.get(f"/regions/{micro.pk}/buildings/new/")
    assert page.status_code == 200 and "红星小区" in page.content.decode()  # estate suggestions
    response = client.post(
        f"/regions/{micro.pk}/buildings/new/", {"estate": "红星小区", "number": "9栋"}
    )
    assert response.status_code == 302
    assert "已划入,尚未登记房屋" in client.get(f"/regions/{micro.pk}/").content.decode()
    rows = [["九栋新人", valid_id("19600101", 505), "", "红星小区9栋1单元101", "", "", ""]]
    code, output = _run(_csv(tmp_path / "nine.csv", rows))
    assert code == 0, output
    assert Resident.objects.get(name="九栋新人").micro_grid_id == micro.pk
    taken = client.post(
        f"/regions/{world.regions['M1'].pk}/buildings/new/", {"estate": "红星小区", "number": "9"}
    )
    assert taken.status_code == 400 and "已划入“第2微网格”" in taken.content.decode()


def test_volunteers_cannot_assign_buildings(world):
    micro = world.regions["M1"]
    response = world.client("micro_grid_worker").get(f"/regions/{micro.pk}/buildings/new/")
    assert response.status_code == 404


def test_after_an_import_the_report_keeps_only_the_refused_rows(world, tmp_path):
    report = tmp_path / "after.xlsx"
    _run(_csv(tmp_path / "l.csv", GOOD + BAD), "--skip-invalid", "--report", str(report))
    rows = list(load_workbook(report, read_only=True).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [r[0] for r in BAD]  # imported people are not listed
    assert all(row[-1] for row in rows[1:])


def test_xlsx_address_merged_over_a_household(world, tmp_path):
    """Real sheets merge a household's 小区 and address cells over all its members."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号", "小区", "住址", "与户主关系"])
    sheet.append(["合并甲", valid_id("19700101", 521), "红星小区", "3栋1单元702", "户主"])
    sheet.append(["合并乙", valid_id("19720101", 522), None, None, "配偶"])
    sheet.append(["合并丙", valid_id("20000101", 523), None, None, "子女"])
    sheet.merge_cells("C2:C4")
    sheet.merge_cells("D2:D4")
    path = tmp_path / "merged.xlsx"
    workbook.save(path)
    code, output = _run(path)
    assert code == 0, output
    homes = {r.household.dwelling.address for r in Resident.objects.filter(name__startswith="合并")}
    assert homes == {"红星小区3栋1单元702"}


def test_xls_address_merged_over_a_household(world, tmp_path):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("花名册")
    for col, title in enumerate(["姓名", "身份证号", "住址"]):
        sheet.write(0, col, title)
    sheet.write(1, 0, "合并丁")
    sheet.write(1, 1, valid_id("19700101", 525))
    sheet.write(2, 0, "合并戊")
    sheet.write(2, 1, valid_id("19710101", 526))
    sheet.write_merge(1, 2, 2, 2, "红星小区3栋1单元703")
    path = tmp_path / "merged.xls"
    book.save(str(path))
    code, output = _run(path)
    assert code == 0, output
    assert Resident.objects.filter(name__startswith="合并").count() == 2


def test_a_changed_name_updates_its_pinyin_for_search(world, tmp_path):
    _run(_csv(tmp_path / "n1.csv", GOOD))
    renamed = [["李新华", *GOOD[0][1:]], GOOD[1]]
    code, output = _run(_csv(tmp_path / "n2.csv", renamed))
    assert code == 0 and "updated: 1" in output
    person = Resident.objects.get(id_number_masked=f"{A[:4]}{'*' * 10}{A[-4:]}")
    assert (person.name, person.name_pinyin, person.name_initials) == ("李新华", "lixinhua", "lxh")
    assert "姓名" in LifeEvent.objects.get(resident=person, kind="updated").note


def test_ids_taken_by_an_import_do_not_collide_with_later_registrations(world, tmp_path):
    """The import writes rows with ids it allocated itself; the ORM's next ids must follow."""
    from weiwang.people.models import ResidentPhone
    from weiwang.people.services import household_create, resident_create

    _run(_csv(tmp_path / "ids.csv", GOOD))
    imported = Resident.objects.get(name="新人甲")
    household = household_create(dwelling=imported.household.dwelling)
    later = resident_create(
        actor=None,
        household=household,
        name="后来者",
        id_number=valid_id("19900101", 531),
        phones=["13900009999"],
    )
    assert later.pk > imported.pk and household.pk > imported.household_id
    assert ResidentPhone.objects.filter(resident=later).get().pk > imported.phones.get().pk
