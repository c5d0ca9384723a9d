from __future__ import annotations

import datetime as dt

import pytest

from weiwang.conftest import valid_id
from weiwang.core.errors import ApplicationError
from weiwang.core.identity import mask_id_number, mask_phone, normalise_phone, parse_id_number

VALID = "510121196503031234"


def test_valid_id_number_gives_birth_date_and_sex():
    facts = parse_id_number(VALID)
    assert facts.birth_date == dt.date(1965, 3, 3)
    assert facts.sex == "male"  # 17th digit 3 is odd


def test_lower_case_x_check_digit_is_accepted_and_normalised():
    from stdnum.cn import ric

    body = next(
        f"11010519491231{seq:03d}"
        for seq in range(1000)
        if ric.calc_check_digit(f"11010519491231{seq:03d}0") == "X"
    )
    assert parse_id_number(body + "x").number == body + "X"


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("51012119650303123", "id_number_length", "18 位"),
        ("5101211965030312A4", "id_number_format", "数字"),
        ("510121196503031235", "id_number_checksum", "校验位"),
        (valid_id("19651303", 123), "id_number_component", "出生日期"),
    ],
)
def test_invalid_id_numbers_are_refused_with_a_clear_message(raw, code, words):
    with pytest.raises(ApplicationError) as caught:
        parse_id_number(raw)
    assert caught.value.code == code
    assert words in caught.value.message


def test_masks_show_first_four_and_last_four_of_an_id_number():
    assert mask_id_number(VALID) == "5101**********1234"


def test_masks_show_first_three_and_last_four_of_a_phone():
    assert mask_phone("13812345678") == "138****5678"


def test_phone_numbers_are_normalised_and_checked():
    assert normalise_phone("+86 138 1234 5678") == "13812345678"
    with pytest.raises(ApplicationError):
        normalise_phone("12345")


def test_a_birth_date_in_the_future_is_refused():
    with pytest.raises(ApplicationError) as caught:
        parse_id_number(valid_id("20991231", 123))
    assert caught.value.code == "id_number_component"


def test_validation_agrees_with_stdnum_on_random_numbers():
    """The cached region lookup must accept and refuse exactly what stdnum does."""
    import random

    from stdnum.cn import ric

    rng = random.Random(11)
    prefixes = ["510121", "110105", "510104", "999999", "110100", "513401", "510182"]
    for _ in range(2000):
        body = rng.choice(prefixes) + f"{rng.randrange(1940, 2020)}0{rng.randrange(1, 10)}1"
        body += f"{rng.randrange(10)}{rng.randrange(1000):03d}"
        number = body + ric.calc_check_digit(body + "0")
        try:
            parse_id_number(number)
            ours = True
        except ApplicationError:
            ours = False
        assert ours == ric.is_valid(number), number
