"""How VAKwerk writes dates, times and numbers in English: the same shapes as in Dutch
(day before month, 24-hour clock), with English words and separators. See
vakwerk/formats/nl/formats.py."""

DATE_FORMAT = "j F Y"  # 7 March 2025
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y H:i"

SECONDS_DATETIME_FORMAT = "j F Y H:i:s"
WEEKDAY_DATETIME_FORMAT = "l j F, H:i"  # Friday 7 March, 14:05
MONEY_FORMAT = "€%(amount)s"  # €14,783.00
NEGATIVE_MONEY_FORMAT = "-€%(amount)s"  # -€50.00

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
