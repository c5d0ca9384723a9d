from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
