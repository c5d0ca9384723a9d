from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import time_machine
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.test import Client

from weiwang.accounts.models import User

ROOT = Path(__file__).resolve().parents[3]


def _login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_login_then_home_shows_the_role(world):
    client = Client()
    response = _login(client, "grid_worker", "pw-grid_worker")
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/").content.decode()
    assert "专职网格员" in home and "第1网格(红星小区)" in home


def test_wrong_password_says_so_in_chinese(world):
    response = _login(Client(), "grid_worker", "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_five_failures_lock_the_username_for_fifteen_minutes(world):
    with time_machine.travel("2026-11-27 10:00 +0800", tick=False) as traveller:
        for _ in range(5):
            _login(Client(REMOTE_ADDR="10.0.0.1"), "grid_worker", "wrong")
        # Even the right password from another address is refused while locked.
        locked = _login(Client(REMOTE_ADDR="10.0.0.2"), "grid_worker", "pw-grid_worker")
        assert locked.status_code == 429
        assert "已锁定 15 分钟" in locked.content.decode()
        # Other usernames are not affected.
        assert (
            _login(Client(REMOTE_ADDR="10.0.0.1"), "grid_worker2", "pw-grid_worker2").status_code
            == 302
        )
        traveller.shift(16 * 60)
        assert (
            _login(Client(REMOTE_ADDR="10.0.0.2"), "grid_worker", "pw-grid_worker").status_code
            == 302
        )


def test_one_address_is_throttled_after_many_attempts(world, settings):
    from django.core.cache import cache

    cache.clear()
    client = Client(REMOTE_ADDR="10.9.9.9")
    statuses = [_login(client, f"user{i}", "wrong").status_code for i in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    cache.clear()


def test_api_token_lockout_is_json(world):
    client = Client()
    for _ in range(5):
        client.post(
            "/api/v1/auth/token",
            {"username": "grid_worker", "password": "x"},
            content_type="application/json",
        )
    response = client.post(
        "/api/v1/auth/token",
        {"username": "grid_worker", "password": "x"},
        content_type="application/json",
    )
    assert response.status_code == 429 and response.json()["error"]["code"] == "locked"


def test_idle_sessions_end_after_thirty_minutes(world):
    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_SAVE_EVERY_REQUEST
    with time_machine.travel("2026-11-27 09:00 +0800", tick=False) as traveller:
        client = Client()
        _login(client, "grid_worker", "pw-grid_worker")
        traveller.shift(29 * 60)
        assert client.get("/").status_code == 200  # activity pushes the expiry on
        traveller.shift(29 * 60)
        assert client.get("/").status_code == 200
        traveller.shift(31 * 60)
        assert client.get("/").status_code == 302


def test_passwords_are_hashed_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = User.objects.create_user(username="argon", password="a-long-password-1")
    assert identify_hasher(user.password).algorithm == "argon2"


def test_project_settings_put_argon2_first():
    # The test run swaps in a fast hasher; the project's own settings module is what deploys.
    from weiwang import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_forms_require_csrf(world):
    client = Client(enforce_csrf_checks=True)
    assert _login(client, "grid_worker", "pw-grid_worker").status_code == 403
    client.force_login(world.users["grid_worker"])
    zhang = world.residents["zhangsan"]
    assert client.post(f"/residents/{zhang.pk}/reveal/", {"reason": "x"}).status_code == 403


def test_security_headers_and_csp_without_inline_scripts(world):
    response = Client().get("/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.content.decode()


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("WEIWANG_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        WEIWANG_ENV="production",
        WEIWANG_DEBUG="false",
        WEIWANG_SECRET_KEY="s" * 20 + "Q7x!kP2#mZ9$wL4&vB8*nR3^cT6@yH1%fJ5(",
        WEIWANG_ALLOWED_HOSTS="weiwang.example.gov.cn",
        WEIWANG_FIELD_KEYS="p1:" + "A" * 43 + "=",
        WEIWANG_BLIND_INDEX_KEY="b" * 40,
        DJANGO_SETTINGS_MODULE="weiwang.settings",
        **extra,
    )
    return env


def test_check_deploy_prints_no_warnings_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    env = _production_env()
    del env["WEIWANG_FIELD_KEYS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "WEIWANG_FIELD_KEYS" in result.stderr


def test_seed_demo_is_refused_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "refused in production" in result.stderr
