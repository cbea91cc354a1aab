"""What the accessibility test checks and what it lets pass, in one place.

The axe-core walk in ``tests/e2e/test_accessibility.py`` audits every page at these widths
against these rule tags, and fails on any violation not listed in ``AXE_EXCEPTIONS``. The
accessibility statement page (toegankelijkheidsverklaring) reads the same names, so the
statement can never claim a different test than the one that runs.
"""

# WCAG 2.1 level A and AA, as axe-core tags them.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

# Desktop and a common phone width (CSS pixels).
AUDIT_WIDTHS = (1280, 390)

# Violations the walk lets pass, each with why. Keep it empty where possible: an entry is a
# known shortcoming the statement must name. Shape:
#   {"rule": "<axe rule id>", "page": "<url name or '*'>", "reason": "<why, in English>"}
AXE_EXCEPTIONS: list[dict] = []
