import functools

from django.utils.translation import gettext_lazy as _

from .roles import Role

# readable_text_colour stays importable from here for older callers.
from .theme import (  # noqa: F401
    DEFAULT_COLOUR,
    button_css,
    button_theme,
    header_css,
    header_theme,
    readable_text_colour,
)

# One navigation per role: (label, url name) or (label, [(label, url name), ...]) for a
# menu. The first entry is the role's start page.
NAVIGATION = {
    Role.CONSULTANT: [
        (_("Caseload"), "participants:caseload"),
        (_("Tasks"), "participants:tasks"),
        (_("Groups"), "participants:cohort_list"),
        (_("Opportunities"), "employers:opportunity_list"),
        (_("Employers"), "employers:employer_list"),
        (_("Programmes"), "programme_list"),
        (_("My development"), "consultants:my_development"),
    ],
    Role.MANAGER: [
        (_("Dashboard"), "evaluation:dashboard"),
        (_("Participants"), "participants:caseload"),
        (_("Groups"), "participants:cohort_list"),
        (_("Team"), "consultants:team"),
        (_("Employers"), "employers:employer_list"),
        (
            _("Finance"),
            [
                (_("Funds"), "funding:fund_list"),
                (_("Approvals"), "funding:approval_queue"),
                (_("Savings"), "funding:savings"),
            ],
        ),
        (
            _("Evaluation"),
            [
                (_("Reports"), "evaluation:report_list"),
                (_("Questionnaires"), "evaluation:questionnaire_list"),
                (_("Research exports"), "evaluation:research_projects"),
                (_("Programmes"), "programme_list"),
                (_("Benefit register"), "benefit_register:snapshots"),
                (_("Net effect"), "benefit_register:net_effect"),
            ],
        ),
        (
            _("Privacy"),
            [
                (_("Audit trail"), "audit_list"),
                (_("Retention"), "participants:retention_overview"),
            ],
        ),
    ],
    Role.WSP: [
        (_("Employers"), "employers:employer_list"),
        (_("Opportunities"), "employers:opportunity_list"),
    ],
    Role.EMPLOYER: [
        (_("Our opportunities"), "employers:opportunity_list"),
    ],
    Role.RESEARCHER: [
        (_("Exports"), "evaluation:research_projects"),
    ],
    Role.ADMIN: [
        (_("Users"), "user_list"),
        (_("Competencies"), "consultants:competency_list"),
        (_("Programmes"), "programme_list"),
        (_("Questionnaires"), "evaluation:questionnaire_list"),
        (_("SRG deliveries"), "provisions:deliveries"),
        (
            _("Benefit register"),
            [
                (_("Snapshots"), "benefit_register:snapshots"),
                (_("Net effect"), "benefit_register:net_effect"),
            ],
        ),
        (
            _("Privacy"),
            [
                (_("Audit trail"), "audit_list"),
                (_("Access requests"), "participants:subject_access"),
                (_("Retention"), "participants:retention_overview"),
            ],
        ),
    ],
}

START_PAGES = {role: items[0][1] for role, items in NAVIGATION.items()}


@functools.lru_cache(maxsize=256)
def _themed(colour):
    """The header theme and the page's CSS for a municipality's colour: a pure function of
    the colour (its WCAG contrast arithmetic), so worked out once per colour, not on every
    page."""
    theme = header_theme(colour)
    return theme, header_css(theme) + button_css(button_theme(colour))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # No municipality yet: the login page's buttons get the default colour's theme.
        return {"nav_items": [], "header_css": button_css(button_theme(DEFAULT_COLOUR))}
    municipality = user.municipality
    colour = municipality.colour if municipality else DEFAULT_COLOUR
    theme, css = _themed(colour)
    return {
        "nav_items": NAVIGATION.get(user.role, []),
        "municipality": municipality,
        "header_theme": theme,
        # The page's one <style> block: the header and the buttons (vakwerk/theme.py).
        "header_css": css,
        "can_use_two_factor": user.may_use_two_factor,
    }
