"""A campaign's answers as an .xlsx sheet: one row per household, one column per question
(openpyxl write-only). Answers written to the phone field are masked, as in resident lists."""

from __future__ import annotations

from typing import BinaryIO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from weiwang.core.identity import mask_phone
from weiwang.surveys.models import AnswerTarget, Campaign, SurveyTask
from weiwang.surveys.services import YES


def _cell(question, value) -> object:
    if value is None:
        return ""
    if question.maps_to == AnswerTarget.PHONE:
        return mask_phone(str(value))
    if question.kind == "yes_no":
        return _("是") if value == YES else _("否")
    if isinstance(value, list):
        return "、".join(value)
    return value


def write_campaign_xlsx(out: BinaryIO, campaign: Campaign, tasks: QuerySet[SurveyTask]) -> int:
    questions = list(campaign.form.questions.all())
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("摸排结果"))
    sheet.append([campaign.title])
    sheet.append(
        [_("导出时间:%(when)s") % {"when": timezone.localtime().strftime("%Y-%m-%d %H:%M")}]
    )
    fixed = [_("微网格"), _("地址"), _("状态"), _("填写方式"), _("填写时间"), _("已确认")]
    sheet.append(fixed + [q.label for q in questions])
    rows = tasks.select_related("micro_grid", "household__dwelling").order_by(
        "micro_grid__name", "household__dwelling__address"
    )
    count = 0
    for task in rows.iterator(chunk_size=2000):
        answers = task.answers or {}
        sheet.append(
            [
                task.micro_grid.name,
                task.household.dwelling.address,
                _("已填写") if task.answered_at else _("未填写"),
                task.get_source_display() if task.source else "",
                timezone.localtime(task.answered_at).strftime("%Y-%m-%d %H:%M")
                if task.answered_at
                else "",
                _("是") if task.confirmed_at else "",
            ]
            + [_cell(q, answers.get(str(q.pk))) for q in questions]
        )
        count += 1
    workbook.save(out)
    return count
