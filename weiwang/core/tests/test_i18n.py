from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "weiwang" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_chinese_string_has_an_english_translation():
    catalogue = polib.pofile(str(PO))
    untranslated = [
        e.msgid
        for e in catalogue
        if not e.obsolete and not (all(e.msgstr_plural.values()) if e.msgid_plural else e.msgstr)
    ]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated and not fuzzy, untranslated + fuzzy


def test_pages_are_chinese_by_default_and_english_on_request(world):
    client = world.client("grid_worker")
    zh = client.get("/").content.decode()
    assert "工作台" in zh and "Workbench" not in zh
    en = client.get("/?lang=en").content.decode()
    assert "Workbench" in en and "工作台" not in en
    # The choice is remembered by a cookie.
    assert "Workbench" in client.get("/").content.decode()
    assert "工作台" in client.get("/?lang=zh-hans").content.decode()


def test_login_page_shows_no_raw_field_names_in_chinese(db, client):
    html = client.get("/login/").content.decode()
    for raw in ["username", "password"]:
        visible = html.replace(f'name="{raw}"', "").replace(f'id="id_{raw}"', "")
        visible = visible.replace(f'for="id_{raw}"', "").replace(f'autocomplete="{raw}"', "")
        visible = visible.replace('autocomplete="current-password"', "").replace(
            'type="password"', ""
        )
        assert f">{raw}" not in visible.lower()
    assert "用户名" in html and "密码" in html
