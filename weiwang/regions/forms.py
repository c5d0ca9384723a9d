from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class BuildingAssignForm(forms.Form):
    estate = forms.CharField(
        label=_("小区"),
        max_length=100,
        help_text=_("已有小区请照原名填写;新小区会同时登记到本社区。"),
        widget=forms.TextInput(attrs={"list": "estates"}),
    )
    number = forms.CharField(label=_("楼栋号"), max_length=20, help_text=_("例如 9 或 9栋"))
