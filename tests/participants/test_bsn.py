import pytest
from django.core.exceptions import ValidationError

from participants.validators import BSNValidator
from vakwerk.bsn import bsn_from_number, is_valid_bsn, mask_bsn


@pytest.mark.parametrize("bsn", ["111222333", "123456782", "999999990", "11222335"])
def test_valid_numbers_pass_the_11_check(bsn):
    assert is_valid_bsn(bsn)
    BSNValidator()(bsn)


@pytest.mark.parametrize(
    "bsn", ["123456789", "111222334", "000000000", "12345678a", "1234567", "1234567890", ""]
)
def test_invalid_numbers_are_refused_with_a_clear_message(bsn):
    assert not is_valid_bsn(bsn)
    with pytest.raises(ValidationError) as error:
        BSNValidator()(bsn)
    assert error.value.code == "invalid_bsn"


def test_generated_demo_numbers_are_valid_and_distinct():
    numbers = {bsn_from_number(n * 7919) for n in range(500)}
    assert len(numbers) == 500
    assert all(is_valid_bsn(n) for n in numbers)


def test_masking_shows_only_the_last_four_digits():
    assert mask_bsn("111222333") == "*****2333"
