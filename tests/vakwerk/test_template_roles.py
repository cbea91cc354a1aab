"""Templates ask a user's role one way: ``user.is_manager`` (vakwerk.roles.RoleChecks), never
a string literal, so that renaming a role cannot quietly hide a link or a button."""

import re
from pathlib import Path

from django.conf import settings
from django.template import engines

from vakwerk.models import User
from vakwerk.roles import Role, RoleChecks

ROLE_LITERAL = re.compile(r"""\brole\s*(==|!=|\bin\b)\s*["'(\[]""")
ROLE_CHECK = re.compile(r"\buser\.(is_[a-z_]+)")


def _project_templates():
    base = Path(settings.BASE_DIR).resolve()
    for directory in engines["django"].template_dirs:
        directory = Path(directory).resolve()
        if base not in directory.parents or ".venv" in directory.parts:
            continue
        yield from directory.rglob("*.html")
        yield from directory.rglob("*.txt")


def test_no_template_compares_a_role_with_a_string():
    templates = list(_project_templates())
    assert len(templates) > 50
    literals = [
        f"{path.name}:{number}: {line.strip()[:100]}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_LITERAL.search(line)
    ]
    assert not literals, "\n".join(literals)


def test_every_role_check_in_a_template_exists_on_the_user():
    asked = {}
    for path in _project_templates():
        for name in ROLE_CHECK.findall(path.read_text()):
            asked.setdefault(name, path.name)
    # The role checks are used (the replacement of the literals happened) ...
    assert {"is_consultant", "is_manager", "is_employer", "is_admin"} <= set(asked)
    # ... and each one a template asks for is a property of User: a renamed role or a typo
    # would otherwise read as False, silently.
    missing = {name: where for name, where in asked.items() if not hasattr(User, name)}
    assert not missing, missing


def test_each_role_has_exactly_its_own_check():
    checks = [name for name, value in vars(RoleChecks).items() if isinstance(value, property)]
    assert len(checks) == len(Role), "every role has its is_<role> property"
    for role in Role:
        user = User(role=role)
        true = [name for name in checks if getattr(user, name)]
        assert true == [f"is_{role.name.lower()}"], (role, true)
    assert not any(getattr(User(role=""), name) for name in checks)
