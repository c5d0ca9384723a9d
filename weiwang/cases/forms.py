from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weiwang.cases.models import CaseSource, TimeLimit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class CaseReportForm(forms.Form):
    category = forms.ChoiceField(label=_("分类"))
    description = forms.CharField(
        label=_("发生了什么"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("例如:3栋2单元楼道堆放杂物,影响通行")}
        ),
    )
    building = forms.ChoiceField(label=_("地点"), required=False)
    room = forms.CharField(
        label=_("房号"), max_length=20, required=False, help_text=_("选填,例如 1201")
    )
    place = forms.CharField(
        label=_("具体位置"), max_length=200, required=False, help_text=_("选填,例如 小区东门")
    )
    limit = forms.ModelChoiceField(
        label=_("紧急程度"),
        queryset=TimeLimit.objects.all(),
        required=False,
        empty_label=_("按分类默认"),
    )
    people_involved = forms.CharField(label=_("涉及人员"), max_length=200, required=False)
    photos = MultipleImageField(label=_("照片"), required=False)
    latitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, categories, buildings, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("请选择"))] + [(c.pk, c.name) for c in categories]
        if buildings is None:
            del self.fields["building"], self.fields["room"]
        else:
            self.fields["building"].choices = [("", _("请选择")), *buildings]
        if not staff:
            del self.fields["limit"], self.fields["people_involved"]
        else:
            self.fields["source"] = forms.ChoiceField(
                label=_("来源"),
                choices=[
                    (CaseSource.WORKER, _("网格员发现")),
                    (CaseSource.RESIDENT, _("居民反映(代为登记)")),
                    (CaseSource.HOTLINE, CaseSource.HOTLINE.label),
                ],
                help_text=_("代居民登记时请选房号:办结后由该户居民评价。"),
                initial=CaseSource.WORKER,
            )
            self.fields["external_number"] = forms.CharField(
                label=_("工单编号"), max_length=40, required=False, help_text=_("热线工单必填")
            )
            self.fields["reporter_name"] = forms.CharField(
                label=_("反映人"), max_length=50, required=False
            )
            self.fields["reporter_phone"] = forms.CharField(
                label=_("反映人电话"), max_length=20, required=False
            )

    def clean(self):
        data = super().clean()
        if data.get("source") == CaseSource.HOTLINE and not data.get("external_number"):
            self.add_error("external_number", _("热线工单请填写工单编号。"))
        if data.get("source") == CaseSource.RESIDENT and not data.get("room"):
            self.add_error("room", _("代居民登记时请填写房号。"))
        return data


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("您对处理结果"),
        choices=[("satisfied", _("满意")), ("basic", _("基本满意")), ("dissatisfied", _("不满意"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("意见"), max_length=300, required=False)
