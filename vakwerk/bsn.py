"""The one place that knows what a BSN (burgerservicenummer) looks like: the 11-proef, the
normaliser of a typed or imported number, the mask shown on screens and in the audit trail,
and made-up valid numbers for demo data and tests. The log filter (vakwerk.logging), the
audit trail (vakwerk.audit) and the participants app all use these."""

from vakwerk.fields import is_ascii_digits, nfkc

BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(value):
    """The 11-proef: nine digits whose weighted sum (9..2, and -1 for the last) is a
    multiple of eleven. Eight-digit numbers are older BSNs with a leading zero dropped.
    Only ASCII digits count: "²" or "٤" pass `isdigit()` but are no BSN."""
    value = (value or "").strip()
    if len(value) == 8:
        value = "0" + value
    if len(value) != 9 or not is_ascii_digits(value) or value == "000000000":
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value, BSN_WEIGHTS, strict=True))
    return total % 11 == 0


def normalise_bsn(value):
    """The one normaliser of a typed or imported BSN: NFKC (full-width and superscript
    digits become ASCII), without spaces, dots and hyphens, an eight-digit number with its
    leading zero back. Other scripts' digits ("٤٢٠٤٣١٩٧٤") stay as they are, so that
    `is_valid_bsn` refuses them and no second person is registered under them."""
    value = "".join(nfkc(value or "").split()).replace(".", "").replace("-", "")
    return value.zfill(9) if len(value) == 8 and is_ascii_digits(value) else value


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
