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
