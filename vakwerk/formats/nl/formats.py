"""How VAKwerk writes dates, times and numbers in Dutch (FORMAT_MODULE_PATH in settings).
Anything not named here (input formats, the first day of the week) is Django's own.

One date convention everywhere, on screen and in PDFs: the month written out,
"7 maart 2025". Templates use `date:"DATE_FORMAT"` (or `date:"DATETIME_FORMAT"`), never a
format of their own; the names below that Django does not know are read by
vakwerk.formatting."""

DATE_FORMAT = "j F Y"  # 7 maart 2025
TIME_FORMAT = "H:i"  # 14:05
DATETIME_FORMAT = "j F Y H:i"  # 7 maart 2025 14:05
YEAR_MONTH_FORMAT = "F Y"  # maart 2025
MONTH_DAY_FORMAT = "j F"  # 7 maart
SHORT_DATE_FORMAT = "j F Y"  # the same: one convention, no "7-3-2025" beside it
SHORT_DATETIME_FORMAT = "j F Y H:i"

# Not Django settings: vakwerk.formatting reads them.
SECONDS_DATETIME_FORMAT = "j F Y H:i:s"  # the audit trail: 7 maart 2025 14:05:09
WEEKDAY_DATETIME_FORMAT = "l j F, H:i"  # an appointment: vrijdag 7 maart, 14:05
MONEY_FORMAT = "€ %(amount)s"  # € 14.783,00
NEGATIVE_MONEY_FORMAT = "€ -%(amount)s"  # € -50,00: the Dutch order of sign and symbol

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
