from __future__ import annotations

import base64

import pytest

from weiwang.core import crypto


def test_encryption_round_trips_and_is_not_deterministic():
    a, b = crypto.encrypt("510121196503031234"), crypto.encrypt("510121196503031234")
    assert a != b
    assert "510121196503031234" not in a
    assert crypto.decrypt(a) == crypto.decrypt(b) == "510121196503031234"


def test_blind_index_is_deterministic_and_ignores_case_and_spaces():
    assert crypto.blind_index("51012119650303123x") == crypto.blind_index(" 51012119650303123X ")
    assert crypto.blind_index("a") != crypto.blind_index("b")


def test_old_keys_still_decrypt_after_rotation(settings):
    old = crypto.encrypt("13800005678")
    new_key = "k2:" + base64.urlsafe_b64encode(b"n" * 32).decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    crypto.reset_keys()
    assert crypto.key_id_of(crypto.encrypt("x")) == "k2"
    assert crypto.decrypt(old) == "13800005678"


def test_a_value_under_a_removed_key_fails_loudly(settings):
    token = crypto.encrypt("x")
    settings.FIELD_ENCRYPTION_KEYS = ["other:" + base64.urlsafe_b64encode(b"o" * 32).decode()]
    crypto.reset_keys()
    with pytest.raises(Exception, match="no longer configured"):
        crypto.decrypt(token)


def test_rotate_field_keys_re_encrypts_everything(world, settings):
    from django.core.management import call_command

    from weiwang.people.models import Resident, ResidentPhone

    settings.FIELD_ENCRYPTION_KEYS = [
        "k2:" + base64.urlsafe_b64encode(b"r" * 32).decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    crypto.reset_keys()
    call_command("rotate_field_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for value in Resident.objects.values_list("id_number_encrypted", flat=True):
        assert crypto.key_id_of(value) == "k2"
    for value in ResidentPhone.objects.values_list("number_encrypted", flat=True):
        assert crypto.key_id_of(value) == "k2"
    zhang = Resident.objects.get(name="张三")
    assert crypto.decrypt(zhang.id_number_encrypted).endswith("1234")
