"""What the accessibility test checks and what it lets pass, in one place.

The axe-core walk in ``tests/e2e/test_accessibility.py`` audits every page at these widths
against these rule tags, and fails on any violation not listed in ``AXE_EXCEPTIONS``. The
accessibility statement page (toegankelijkheidsverklaring) reads the same names, so the
statement can never claim a different test than the one that runs.
"""

# WCAG 2.1 level A and AA, as axe-core tags them.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

# Rules axe files under "best-practice", not under a WCAG tag, that the walk runs as well:
# a heading that skips a level and a header cell without text break the structure a screen
# reader announces (WCAG 1.3.1), and the audit of issue 17 found both. axe files an empty
# header cell as "needs review"; the walk counts that as a violation too.
AXE_EXTRA_RULES = ("heading-order", "empty-table-header")

# Desktop and a common phone width (CSS pixels).
AUDIT_WIDTHS = (1280, 390)

# Violations the walk lets pass, each with why. Keep it empty where possible: an entry is a
# known shortcoming the statement must name. Shape:
#   {"rule": "<axe rule id>", "page": "<url name or '*'>", "reason": "<why, in English>"}
AXE_EXCEPTIONS: list[dict] = []
