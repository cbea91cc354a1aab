import re

import pytest
from django.urls import reverse

from vakwerk.context_processors import readable_text_colour
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


def test_pages_load_nothing_from_other_origins_and_send_a_csp(client, make_user):
    client.force_login(make_user(Role.MANAGER))
    response = client.get(reverse("evaluation:dashboard"))
    page = response.content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/", "#", "?")), url
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<style nonce="{nonce}">' in page


def test_header_shows_the_municipality_name_and_colour(client, make_user, municipality):
    municipality.colour = "#ffcc00"
    municipality.save()
    client.force_login(make_user(Role.CONSULTANT))
    page = client.get(reverse("participants:caseload")).content.decode()
    assert "Gemeente A" in page
    assert "background-color:#ffcc00;color:#212529" in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


def test_text_colour_keeps_contrast():
    assert readable_text_colour("#004b87") == "#ffffff"
    assert readable_text_colour("#ffcc00") == "#212529"


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (Role.CONSULTANT, "Caseload", "Gebruikers"),
        (Role.MANAGER, "Dashboard", "Gebruikers"),
        (Role.EMPLOYER, "Onze kansen", "Werkgevers"),
        (Role.ADMIN, "Gebruikers", "Dashboard"),
    ],
)
def test_navigation_is_per_role(client, make_user, role, visible, hidden):
    client.force_login(make_user(role))
    page = client.get(reverse("home"), follow=True).content.decode()
    nav = page.split('id="vw-nav"')[1].split("</ul>")[0]
    assert visible in nav
    assert hidden not in nav
