"""From a job intention to a placement, through the pages of four people: the employer
posts it, the WSP confirms it, the consultant proposes and introduces a participant, the
employer interviews and hires, and the participant's timeline shows the placement.

Selectors are element ids, names, data-testid attributes and URLs, so that the test does
not depend on when the Dutch catalogue gets the matching pages' texts."""

import re

import pytest
from django.urls import reverse

TITLE = "Baanintentie: medewerker magazijn (e2e)"


def new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    return context.new_page()


@pytest.mark.e2e
def test_a_job_intention_ends_in_a_placement_on_the_participant_timeline(
    live_server, browser, log_in
):
    from playwright.sync_api import expect

    def url(name, *args):
        return f"{live_server.url}{reverse(name, args=args)}"

    # 1. The employer posts a job intention and sends it to the WSP.
    employer = new_page(browser)
    log_in(employer, "employer@zwolle.example")
    employer.goto(url("employers:opportunity_create"))
    form = employer.locator("form[method=post]:has([name=title])")
    form.locator("[name=kind]").select_option("job_intention")
    form.locator("[name=title]").fill(TITLE)
    form.locator("[name=positions]").fill("1")
    form.locator("[name=hours_per_week]").fill("32")
    form.locator("[name=contract]").select_option("temporary")
    form.locator("[name=skills_wanted]").fill("magazijn, samenwerken")
    form.locator("button[type=submit]").click()
    employer.wait_for_url(re.compile(r".*/opportunities/\d+/$"))
    found = re.search(r"/opportunities/(\d+)/$", employer.url)
    assert found, employer.url
    opportunity = int(found.group(1))
    employer.locator("[data-testid=opportunity-submit]").click()
    employer.wait_for_load_state()
    expect(employer.locator("[data-testid=opportunity-status]")).to_have_attribute(
        "data-status", "submitted"
    )

    # 2. The WSP confirms it.
    wsp = new_page(browser)
    log_in(wsp, "wsp@zwolle.example")
    wsp.goto(url("employers:opportunity_review", opportunity))
    wsp.locator("[data-testid=confirm]").click()
    wsp.wait_for_load_state()
    expect(wsp.locator("[data-testid=opportunity-status]")).to_have_attribute(
        "data-status", "confirmed"
    )

    # 3. The consultant proposes one of their own participants who is in the programme
    #    and consents to sharing the talent profile, and introduces them to the employer.
    consultant = new_page(browser)
    log_in(consultant, "consultant@zwolle.example")
    # The consultant reaches the board from the opportunity's page.
    consultant.goto(url("employers:opportunity_detail", opportunity))
    consultant.locator("[data-testid=open-board]").click()
    consultant.wait_for_url(url("employers:board", opportunity))
    suggestion = consultant.locator(
        "[data-testid=suggestion][data-status=in_programme][data-consent=yes][data-own=yes]"
    ).first
    participant = suggestion.get_attribute("data-participant")
    name = suggestion.locator(".fw-semibold").first.inner_text()
    suggestion.locator(f"[data-testid=propose-{participant}]").click()
    consultant.wait_for_load_state()
    proposed = consultant.locator("[data-testid=column-proposed] [data-testid=match]")
    expect(proposed).to_have_count(1)
    match = proposed.get_attribute("data-match")
    proposed.locator("[data-testid=action-introduced]").click()
    consultant.wait_for_load_state()
    expect(
        consultant.locator(f"[data-testid=column-introduced] [data-match='{match}']")
    ).to_be_visible()

    # 4. The employer finds the candidate, without a name, invites and hires them.
    employer.goto(url("employers:board", opportunity))
    card = employer.locator(f"[data-testid=column-introduced] [data-match='{match}']")
    expect(card).to_be_visible()
    assert name not in employer.locator("main").inner_text()
    card.locator("[data-testid=candidate-link]").click()
    employer.wait_for_load_state()
    assert name not in employer.locator("main").inner_text()
    expect(employer.locator("[data-testid=talent-profile]")).to_be_visible()
    employer.locator("[data-testid=action-interview]").click()
    employer.wait_for_load_state()
    expect(employer.locator("[data-testid=match-stage]")).to_have_attribute(
        "data-stage", "interview"
    )
    hire = employer.locator("#hire-form")
    hire.locator("[name=start_date]").fill("2026-09-01")
    hire.locator("[name=hours_per_week]").fill("32")
    hire.locator("[name=contract]").select_option("temporary")
    hire.locator("[name=handover]").fill("Werkbegeleider Henk; de eerste week halve dagen.")
    hire.locator("[data-testid=action-hired]").click()
    employer.wait_for_load_state()
    expect(employer.locator("[data-testid=match-stage]")).to_have_attribute("data-stage", "hired")
    expect(employer.locator("[data-testid=placement]")).to_contain_text("Henk")

    # 5. The participant's timeline shows the placement.
    consultant.goto(url("participants:detail", participant))
    entry = (
        consultant.locator("#timeline li")
        .filter(has_text=TITLE)
        .filter(has=consultant.locator("[data-testid=placement]"))
    )
    expect(entry).to_have_count(1)
    expect(entry.locator("[data-testid=placement]")).to_contain_text("32")
    for page in (employer, wsp, consultant):
        page.context.close()
