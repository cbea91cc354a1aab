from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CONSULTANT = "consultant", _("Consultant")
    MANAGER = "manager", _("Manager")
    WSP = "wsp", _("WSP account manager")
    EMPLOYER = "employer", _("Employer")
    RESEARCHER = "researcher", _("Researcher")
    ADMIN = "admin", _("Functional administrator")


# Municipal staff: they may (and, where the municipality says so, must) use a second factor.
STAFF_ROLES = frozenset({Role.CONSULTANT, Role.MANAGER, Role.WSP, Role.ADMIN, Role.RESEARCHER})
