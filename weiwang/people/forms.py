from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weiwang.people.models import Relation


class ResidentSearchForm(forms.Form):
    q = forms.CharField(
        label=_("查找居民"),
        required=False,
        max_length=60,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("姓名、拼音首字母、身份证号、电话后4位或地址"),
                "type": "search",
            }
        ),
    )
    tag = forms.ChoiceField(label=_("人群标签"), required=False)
    region = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("全部人群")), *((t.code, t.name) for t in tags)]


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("例如:办理高龄补贴需核对身份证号")}),
    )


class TagForm(forms.Form):
    code = forms.SlugField(
        label=_("代码"),
        max_length=40,
        help_text=_("英文小写字母、数字和下划线,创建后不能修改,例如 living_alone_elderly"),
    )
    name = forms.CharField(label=_("名称"), max_length=40)
    purpose = forms.CharField(
        label=_("保留原因"),
        max_length=200,
        help_text=_("为何需要记录这一信息(个人信息保护法第六条:只收集履职所需的信息)"),
    )
    sensitive = forms.BooleanField(
        label=_("敏感(涉及健康、残疾、困难等,志愿者不可见)"), required=False
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class ExportRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("导出用途"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明为何需要完整证件号和电话,审批人会看到。"),
    )
    q = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)
    tag = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    region = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


CHANGE_KINDS = {
    "move_out": _("迁出"),
    "death": _("死亡"),
    "move_within": _("社区内搬迁"),
    "head_change": _("设为户主"),
    "tag_add": _("添加标签"),
    "tag_remove": _("移除标签"),
}


class ResidentChangeForm(forms.Form):
    """One form for every change of an existing resident; the view drops unused fields."""

    occurred_on = forms.DateField(
        label=_("日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    destination = forms.CharField(label=_("迁出去向"), max_length=200, required=False)
    new_address = forms.CharField(
        label=_("新住址"),
        max_length=255,
        required=False,
        help_text=_("写完整地址,与系统中的房屋一致,例如 红星小区3栋2单元501"),
    )
    tag = forms.ChoiceField(label=_("人群标签"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    FIELDS = {
        "move_out": ["occurred_on", "destination", "note"],
        "death": ["occurred_on", "note"],
        "move_within": ["occurred_on", "new_address"],
        "head_change": ["occurred_on"],
        "tag_add": ["occurred_on", "tag", "note"],
        "tag_remove": ["occurred_on", "tag", "note"],
    }

    def __init__(self, *args, kind: str, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in self.FIELDS[kind]:
                del self.fields[name]
        if "tag" in self.fields:
            self.fields["tag"].required = True
            self.fields["tag"].choices = [(t.code, t.name) for t in tags]
        if kind == "move_out":
            self.fields["destination"].required = True
        if kind == "move_within":
            self.fields["new_address"].required = True


class NewResidentForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=20)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    occurred_on = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("迁入日期;登记出生时为出生日期"),
    )
    came_from = forms.CharField(label=_("迁入来源"), max_length=200, required=False)


class ImportUploadForm(forms.Form):
    community = forms.ChoiceField(label=_("导入到社区"))
    file = forms.FileField(
        label=_("居民花名册"), help_text=_("Excel(.xlsx、.xls)或 CSV(UTF-8 或 GBK 编码)")
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]


FIELD_LABELS = {
    "name": _("姓名"),
    "id_number": _("身份证号"),
    "phone": _("电话"),
    "estate": _("小区"),
    "building": _("楼栋"),
    "unit": _("单元"),
    "room": _("房号"),
    "address": _("住址"),
    "relation": _("与户主关系"),
    "residence_type": _("人员类型"),
    "tags": _("人群标签"),
}


class ColumnMappingForm(forms.Form):
    """One select per field: which column of the sheet holds it (or none)."""

    def __init__(self, *args, header: list[str], columns: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(没有这一列)"))] + [
            (str(i), f"{i + 1}. {title or '—'}") for i, title in enumerate(header)
        ]
        for name, label in FIELD_LABELS.items():
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=choices,
                required=False,
                coerce=int,
                empty_value=None,
                initial=str(columns[name]) if name in columns else "",
            )
