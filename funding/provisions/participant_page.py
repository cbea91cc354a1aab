"""What the provisions register adds to a participant's page (`participants.page`): the
number of provisions to check, on the button that leads to them."""

from participants import page

from . import selectors


def provision_warnings(request, participant):
    provisions = selectors.provisions_of(request.user, participant)
    return {"provision_warning_count": len(selectors.warnings(provisions))}


def register():
    page.add_context_part(provision_warnings, position=50)
