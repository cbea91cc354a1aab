"""Issue 16, done when: the whole VAK route in the browser. The demo consultant registers a
participant, records the intake with development potential and motivation, selects them,
fills their talent profile and adds a completed training whose certificate an employer's
job intention asks; on that job intention's board the participant rises at each step, with
reasons that name what changed."""

import datetime
import re

import pytest

from vakwerk.bsn import bsn_from_number

LAST_NAME = "Aalders"  # sorts first among equal scores on the board


def _ranking(page, board, participant):
    """(position on the board's suggestions or None, the suggestion's text, its score)."""
    page.goto(board)
    ranking = page.locator("[data-testid=suggestion]")
    ids = [ranking.nth(i).get_attribute("data-participant") for i in range(ranking.count())]
    if participant not in ids:
        return None, "", None
    item = page.locator(f"[data-testid=suggestion][data-participant='{participant}']")
    return ids.index(participant), item.inner_text(), int(item.get_attribute("data-score"))


@pytest.mark.e2e
def test_the_vak_route_from_registration_to_the_top_of_the_board(live_server, browser, log_in):
    from django.urls import reverse
    from django.utils import timezone

    def url(name, *args):
        return f"{live_server.url}{reverse(name, args=args)}"

    # Relative to the day the demo was seeded: every form's date bounds are relative too.
    today = timezone.localdate()

    # An employer's job intention asks VCA and two skills; the WSP confirms it.
    employer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(employer, "employer@zwolle.example")
    employer.goto(url("employers:opportunity_create"))
    form = employer.locator("form[method=post]:has([name=title])")
    form.locator("[name=kind]").select_option("job_intention")
    form.locator("[name=title]").fill("Baanintentie: medewerker bouwplaats (VAK-route)")
    form.locator("[name=positions]").fill("1")
    form.locator("[name=hours_per_week]").fill("32")
    form.locator("[name=contract]").select_option("temporary")
    form.locator("[name=conditions][value=vca]").check()
    form.locator("[name=skills_wanted]").fill("bouwplaats, betrouwbaar")
    form.locator("button[type=submit]").click()
    employer.wait_for_url(re.compile(r".*/opportunities/\d+/$"))
    opportunity = int(re.search(r"/opportunities/(\d+)/$", employer.url).group(1))
    employer.locator("[data-testid=opportunity-submit]").click()
    employer.wait_for_load_state()
    wsp = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(wsp, "wsp@zwolle.example")
    wsp.goto(url("employers:opportunity_review", opportunity))
    wsp.locator("[data-testid=confirm]").click()
    wsp.wait_for_load_state()
    board = url("employers:board", opportunity)

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, "consultant@zwolle.example")

    # 1. Register the participant through the form.
    page.goto(url("participants:create"))
    form = page.locator("form[method=post]:has([name=bsn])")
    form.locator("[name=bsn]").fill(str(bsn_from_number(55_555_555)))
    form.locator("[name=first_name]").fill("Vera")
    form.locator("[name=last_name]").fill(LAST_NAME)
    form.locator("[name=birth_date]").fill("1988-03-14")
    form.locator("[name=enrolled_on]").fill((today - datetime.timedelta(days=21)).isoformat())
    form.locator("[name=benefit_type]").select_option("bijstand")
    form.locator("[name=consent_share_profile]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/participants/\d+/$"))
    participant_url = page.url
    participant = re.search(r"/participants/(\d+)/$", participant_url).group(1)
    assert "Vera Aalders is ingeschreven." in page.locator("main").inner_text()

    status_badge = page.locator("h1 + .badge")

    def change_status(value):
        status = page.locator("form[action$='/status/']")
        status.locator("[name=status]").select_option(value)
        status.locator("button[type=submit]").click()
        page.wait_for_load_state()

    # Without an intake, selection is refused.
    change_status("intake")
    change_status("selected")
    main = page.locator("main").inner_text()
    assert "Leg eerst de intake met het ontwikkelpotentie vast" in main
    assert status_badge.inner_text() == "Intake"

    # 2. The intake with development potential and motivation; 3. selection.
    page.goto(url("participants:intake", participant))
    form = page.locator("form[method=post]:has([name=development_potential])")
    form.locator("[name=held_on]").fill((today - datetime.timedelta(days=14)).isoformat())
    form.locator("[name=development_potential]").select_option("high")
    form.locator("[name=rung]").select_option("3")
    form.locator("[name=selection_motivation]").fill(
        "Wil de bouw in, leert snel en is gemotiveerd voor een vakopleiding."
    )
    form.locator("button[type=submit]").click()
    page.wait_for_url(participant_url)
    change_status("selected")
    assert status_badge.inner_text() == "Geselecteerd"

    selected_rank, selected_text, selected_score = _ranking(page, board, participant)
    # Nothing is known of them yet: at best at the bottom, lacking everything.
    assert selected_score is None or selected_score <= 15
    if selected_rank is not None:
        assert "mist: VCA-veiligheidscertificaat" in selected_text
        assert "geen van de gevraagde vaardigheden in het profiel" in selected_text

    # 4. The talent profile: the skills asked and the hours.
    page.goto(url("participants:talent_profile", participant))
    form = page.get_by_test_id("talent-profile-form")
    form.get_by_label("bouwplaats", exact=True).check()
    form.get_by_label("betrouwbaar", exact=True).check()
    form.get_by_label("Beschikbare uren per week").fill("32")
    form.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert "Het talentprofiel is opgeslagen." in page.locator("main").inner_text()

    profile_rank, profile_text, profile_score = _ranking(page, board, participant)
    assert profile_rank is not None
    assert selected_rank is None or profile_rank < selected_rank
    assert profile_score == 60  # skills 30, target group 15, hours 15; VCA still lacking
    assert "vaardigheden: betrouwbaar, bouwplaats" in profile_text
    assert "mist: VCA-veiligheidscertificaat" in profile_text

    # 5. A completed training that gave the VCA certificate, from the participant page.
    page.goto(participant_url)
    page.get_by_test_id("training-add").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Nieuwe opleiding voor Vera Aalders"
    form = page.locator("form[method=post]:has([name=provider])")
    form.locator("[name=name]").fill("VCA Basisveiligheid")
    form.locator("[name=provider]").fill("Veiligheidsinstituut Oost")
    form.locator("[name=kind]").select_option("workshop")
    form.locator("[name=start_date]").fill((today - datetime.timedelta(days=10)).isoformat())
    # An end before the start is refused in Dutch, and what was typed stays.
    form.locator("[name=end_date]").fill((today - datetime.timedelta(days=12)).isoformat())
    form.locator("[name=hours]").fill("8")
    form.locator("[name=result]").select_option("completed")
    form.locator("[name=certificate]").select_option("vca")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "De einddatum ligt vóór de begindatum." in page.locator("main").inner_text()
    form = page.locator("form[method=post]:has([name=provider])")
    assert form.locator("[name=provider]").input_value() == "Veiligheidsinstituut Oost"
    form.locator("[name=end_date]").fill((today - datetime.timedelta(days=9)).isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.split("#")[0] == participant_url
    assert "De opleiding is opgeslagen." in page.locator("main").inner_text()
    trainings = page.get_by_test_id("trainings").inner_text()
    assert "VCA Basisveiligheid" in trainings and "Afgerond" in trainings
    certificates = page.get_by_test_id("profile-certificates").inner_text()
    assert "VCA-veiligheidscertificaat" in certificates and "via een opleiding" in certificates
    assert "VCA Basisveiligheid" in page.locator("#timeline").inner_text()

    # 6. They rise to the top of the board, and the reasons say why.
    trained_rank, trained_text, trained_score = _ranking(page, board, participant)
    assert trained_score == 100
    assert trained_rank < profile_rank
    assert trained_rank == 0
    assert "voldoet aan: VCA-veiligheidscertificaat (afgeronde opleiding)" in trained_text
    assert "vaardigheden: betrouwbaar, bouwplaats" in trained_text
    assert "mist:" not in trained_text
