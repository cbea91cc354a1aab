"""Issue 17, build 6: the accessibility statement is public and says what the test checks."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from vakwerk import accessibility
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

URL = "/toegankelijkheid/"


def test_statement_is_public_and_linked_from_every_page_footer(client):
    assert reverse("accessibility_statement") == URL
    login = client.get(reverse("login")).content.decode()
    assert f'href="{URL}"' in login
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1" in page and "Toegankelijkheidsverklaring" in page
    # Honest about the method: an automated test, so never status A.
    assert "Status C: Eerste maatregelen genomen" in page
    assert "Status A:" not in page
    assert "axe-core" in page and "Chromium" in page
    assert "geaccrediteerde" in page


def test_statement_describes_the_test_from_the_shared_module(client, monkeypatch):
    monkeypatch.setattr(accessibility, "AUDIT_WIDTHS", (1280, 390, 320))
    page = client.get(URL).content.decode()
    method = page.split('data-testid="statement-method"')[1].split("</ul>")[0]
    assert "WCAG 2.1 niveau AA" in method
    for rule in accessibility.AXE_EXTRA_RULES:
        assert f"<code>{rule}</code>" in method
    assert "1280 pixels, 390 pixels, 320 pixels" in method
    assert "Functioneel beheerder" in method  # every role is audited


def test_every_axe_exception_becomes_a_known_shortcoming(client, monkeypatch):
    page = client.get(URL).content.decode()
    if not accessibility.AXE_EXCEPTIONS:
        assert 'data-testid="statement-no-shortcomings"' in page
    monkeypatch.setattr(
        accessibility,
        "AXE_EXCEPTIONS",
        [
            {
                "rule": "color-contrast",
                "page": "funding:savings",
                "reason": "A chart label from the charting library",
            },
            {"rule": "scrollable-region-focusable", "page": "*", "reason": "Legacy table"},
        ],
    )
    page = client.get(URL).content.decode()
    table = page.split('data-testid="statement-shortcomings"')[1].split("</table>")[0]
    assert "<code>color-contrast</code>" in table
    assert "<code>funding:savings</code>" in table
    assert "A chart label from the charting library" in table
    assert "<code>scrollable-region-focusable</code>" in table
    assert "elke pagina" in table
    assert "Wordt opgelost; nog geen datum bepaald." in table


def test_a_logged_in_reader_is_pointed_to_their_own_municipality(client, make_user):
    user = make_user(Role.EMPLOYER)
    client.force_login(user)
    page = client.get(URL).content.decode()
    contact = page.split('data-testid="statement-contact"')[1].split("</p>")[0]
    assert f"gemeente {user.municipality.name}" in contact
    anonymous_contact = "de gemeente die u vroeg VAKwerk te gebruiken"
    assert anonymous_contact not in contact
    client.logout()
    assert anonymous_contact in client.get(URL).content.decode()


def test_statement_query_bound(client, make_user, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        client.get(URL)
    client.force_login(make_user(Role.MANAGER))
    # Session, user and its municipality (the header needs it too): nothing per exception.
    with django_assert_max_num_queries(4):
        assert client.get(URL).status_code == 200


def test_favicon_is_linked_and_favicon_ico_is_no_404(client):
    page = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in page and "img/favicon.svg" in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.ico")
    assert finders.find("img/favicon.ico") and finders.find("img/favicon.svg")
