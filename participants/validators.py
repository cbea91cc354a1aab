from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(value):
    """The 11-proef: nine digits whose weighted sum (9..2, and -1 for the last) is a
    multiple of eleven. Eight-digit numbers are older BSNs with a leading zero dropped."""
    value = (value or "").strip()
    if len(value) == 8:
        value = "0" + value
    if len(value) != 9 or not value.isdigit() or value == "000000000":
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value, BSN_WEIGHTS, strict=True))
    return total % 11 == 0


def normalise_bsn(value):
    value = (value or "").strip().replace(" ", "").replace(".", "")
    return value.zfill(9) if len(value) == 8 else value


@deconstructible
class BSNValidator:
    message = _("This is not a valid BSN: it must have nine digits and pass the 11-check.")
    code = "invalid_bsn"

    def __call__(self, value):
        if not is_valid_bsn(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, BSNValidator)


def mask_bsn(value):
    """Shows only the last four digits, so that a person can be recognised on screen
    without the number being readable."""
    return f"*****{value[-4:]}" if value else ""


def bsn_from_number(number):
    """A valid BSN derived from any integer: for demo data and tests, never for real
    people (real BSNs are issued by the BRP, not made up)."""
    base = number % 100_000_000
    while True:
        digits = f"{base:08d}"
        check = sum(int(d) * w for d, w in zip(digits, BSN_WEIGHTS[:8], strict=True)) % 11
        if check < 10 and digits != "00000000":
            return digits + str(check)
        base = (base + 1) % 100_000_000
