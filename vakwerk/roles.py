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


class RoleChecks:
    """The one way a template asks for a user's role: ``{% if user.is_manager %}``, not
    ``user.role == "manager"``; a role renamed here fails the template check in the tests
    (tests/vakwerk/test_template_roles.py) instead of hiding a link without a sound."""

    @property
    def is_consultant(self):
        return self.role == Role.CONSULTANT

    @property
    def is_manager(self):
        return self.role == Role.MANAGER

    @property
    def is_wsp(self):
        return self.role == Role.WSP

    @property
    def is_employer(self):
        return self.role == Role.EMPLOYER

    @property
    def is_researcher(self):
        return self.role == Role.RESEARCHER

    @property
    def is_admin(self):
        return self.role == Role.ADMIN
