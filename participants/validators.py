from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from vakwerk.bsn import is_valid_bsn
from vakwerk.fields import is_ascii_digits


@deconstructible
class BSNValidator:
    message = _("This is not a valid BSN: it must have nine digits and pass the 11-check.")
    ascii_message = _("A BSN consists of the digits 0 to 9 only.")
    code = "invalid_bsn"

    def __call__(self, value):
        if value and not is_ascii_digits((value or "").strip()):
            raise ValidationError(self.ascii_message, code=self.code)
        if not is_valid_bsn(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, BSNValidator)
