"""Questionnaires: the builder and its freezing, personal single-use invitations that need
no account, answer validation, results per wave, the baseline-final comparison, the
stakeholder pages, who may see what, and bounded query counts."""

import datetime
import hashlib
import re
import threading
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import formats, timezone, translation

from evaluation.questionnaires import selectors as questionnaire_selectors
from evaluation.questionnaires import services as questionnaire_services
from evaluation.questionnaires import statistics as questionnaire_statistics
from evaluation.questionnaires.models import (
    Answer,
    Audience,
    Invitation,
    Question,
    Questionnaire,
    Response,
    Stakeholder,
    Wave,
)
from evaluation.questionnaires.selectors import InvalidLink, hash_token
from evaluation.questionnaires.services import Recipient
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

LIKERT, CHOICE, NUMBER, TEXT = "likert", "choice", "number", "text"
QUESTIONS = [
    {"text": "Ik heb vertrouwen dat ik werk vind.", "kind": LIKERT},
    {"text": "Hoe zoekt u werk?", "kind": CHOICE, "choices": ["Online", "Netwerk", "WSP"]},
    {"text": "Uren per week aan zoeken", "kind": NUMBER},
    {"text": "Wat hielp u het meest?", "kind": TEXT, "required": False},
]
LINK = re.compile(r"https?://[^\s/]+(/\S*/a/([A-Za-z0-9_-]+)/)")


@pytest.fixture
def programme(municipality):
    return ProgrammeFactory(municipality=municipality)


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


def build(manager, programme, audience=Audience.PARTICIPANTS, wave=Wave.BASELINE,
          questions=QUESTIONS, title=None):  # fmt: skip
    questionnaire = questionnaire_services.save_questionnaire(
        manager, programme, title=title or f"Deelnemers {wave}", audience=audience, wave=wave
    )
    for question in questions:
        questionnaire_services.save_question(manager, questionnaire, **question)
    return questionnaire


def open_link(questionnaire, email="iemand@post.example", days=7, **fields):
    """An invitation with a token the test knows (the service would only mail it)."""
    token = f"test-token-{Invitation.objects.count()}-{email}".replace("@", "-")
    Invitation.objects.create(
        questionnaire=questionnaire,
        token_hash=hash_token(token),
        email=email,
        expires_at=timezone.now() + datetime.timedelta(days=days),
        **fields,
    )
    return token


def answers(questionnaire, likert="4", choice="Netwerk", number="12,5", text="De groep"):
    by_kind = {LIKERT: likert, CHOICE: choice, NUMBER: number, TEXT: text}
    return {f"q{q.pk}": by_kind[q.kind] for q in questionnaire.questions.all()}


def answer_url(token):
    return reverse("evaluation:answer", kwargs={"token": token})


# The builder


def test_manager_builds_a_questionnaire_with_every_kind_of_question(client, manager, programme):
    client.force_login(manager)
    response = client.post(
        reverse("evaluation:questionnaire_create"),
        {"programme": programme.pk, "title": "Nulmeting", "audience": "participants",
         "wave": "baseline"},
    )  # fmt: skip
    questionnaire = Questionnaire.objects.get(title="Nulmeting")
    assert response.url == reverse("evaluation:questionnaire_detail", args=[questionnaire.pk])
    assert questionnaire.created_by == manager
    add = reverse("evaluation:questionnaire_question_create", args=[questionnaire.pk])
    for question in QUESTIONS:
        data = {**question, "choices": "\n".join(question.get("choices", []))}
        data["required"] = "on" if question.get("required", True) else ""
        assert client.post(add, data).status_code == 302
    questions = list(questionnaire.questions.all())
    assert [(q.position, q.kind) for q in questions] == [
        (1, LIKERT), (2, CHOICE), (3, NUMBER), (4, TEXT)
    ]  # fmt: skip
    assert questions[1].choices == ["Online", "Netwerk", "WSP"]
    assert questions[0].choices == [] and questions[3].required is False

    one_option = client.post(add, {"text": "Kies", "kind": CHOICE, "choices": "Alleen dit"})
    assert one_option.status_code == 200 and one_option.context["form"].errors
    assert questionnaire.questions.count() == 4

    move = reverse(
        "evaluation:questionnaire_question_move", args=[questionnaire.pk, questions[0].pk]
    )
    client.post(move, {"direction": "down"})
    assert list(questionnaire.questions.values_list("kind", flat=True)) == [
        CHOICE, LIKERT, NUMBER, TEXT
    ]  # fmt: skip
    edit = reverse(
        "evaluation:questionnaire_question_edit", args=[questionnaire.pk, questions[2].pk]
    )
    client.post(edit, {"text": "Uren per week", "kind": NUMBER, "required": "on"})
    assert Question.objects.get(pk=questions[2].pk).text == "Uren per week"
    delete = reverse(
        "evaluation:questionnaire_question_delete", args=[questionnaire.pk, questions[1].pk]
    )
    assert client.get(delete).status_code == 200
    client.post(delete)
    assert list(questionnaire.questions.values_list("position", "kind")) == [
        (1, LIKERT), (2, NUMBER), (3, TEXT)
    ]  # fmt: skip
    assert (
        client.get(reverse("evaluation:questionnaire_detail", args=[questionnaire.pk])).status_code
        == 200
    )


def test_after_the_first_answer_the_questions_are_frozen(client, manager, programme):
    questionnaire = build(manager, programme)
    question = questionnaire.questions.first()
    questionnaire_services.answer(open_link(questionnaire), answers(questionnaire))

    with pytest.raises(ValidationError) as refused:
        questionnaire_services.save_question(manager, questionnaire, text="Nieuw", kind=TEXT)
    assert refused.value.error_list[0].code == "frozen"
    for change in (
        lambda: questionnaire_services.save_question(
            manager, questionnaire, question, text="Anders"
        ),
        lambda: questionnaire_services.delete_question(manager, question),
        lambda: questionnaire_services.move_question(manager, question, up=False),
    ):
        with pytest.raises(ValidationError):
            change()

    client.force_login(manager)
    builder = client.get(reverse("evaluation:questionnaire_detail", args=[questionnaire.pk]))
    assert builder.context["frozen"] is True
    assert b"questionnaire_question_create" not in builder.content
    edit = reverse("evaluation:questionnaire_question_edit", args=[questionnaire.pk, question.pk])
    assert client.get(edit).status_code == 302
    client.post(edit, {"text": "Anders", "kind": LIKERT, "required": "on"})
    delete = reverse(
        "evaluation:questionnaire_question_delete", args=[questionnaire.pk, question.pk]
    )
    client.post(delete)
    question.refresh_from_db()
    assert question.text == QUESTIONS[0]["text"]
    assert questionnaire.questions.count() == 4


def test_audience_and_wave_stay_once_invitations_are_sent(manager, programme):
    questionnaire = build(manager, programme)
    open_link(questionnaire)
    with pytest.raises(ValidationError):
        questionnaire_services.save_questionnaire(
            manager, programme, questionnaire, wave=Wave.FINAL, title="Eindmeting"
        )
    saved = questionnaire_services.save_questionnaire(
        manager, programme, questionnaire, title="Nulmeting 2026", audience=Audience.PARTICIPANTS
    )
    assert saved.title == "Nulmeting 2026"


# Invitations


def test_invite_stores_only_a_hash_and_mails_a_personal_link_that_works(
    client, manager, programme, municipality, django_capture_on_commit_callbacks
):
    questionnaire = build(manager, programme)
    participant = ParticipantFactory(municipality=municipality, programme=programme)
    client.force_login(manager)
    url = reverse("evaluation:questionnaire_invitations", args=[questionnaire.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {f"participant_{participant.pk}": "Sanne@Post.example",
             "emails": "los@post.example\n\nnog.een@post.example", "valid_days": 14},
        )  # fmt: skip
    assert response.status_code == 302

    assert len(mail.outbox) == 3
    invitation = Invitation.objects.get(email="sanne@post.example")
    assert invitation.participant == participant
    assert Invitation.objects.filter(participant__isnull=True).count() == 2
    message = next(m for m in mail.outbox if m.to == ["sanne@post.example"])
    path, token = LINK.search(message.body).groups()
    assert len(token) >= 43
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert token not in str(list(Invitation.objects.values()))
    assert questionnaire.title in message.subject
    # Dutch whatever the manager's language: the expiry date is spelled the Dutch way.
    with translation.override("nl"):
        dutch_date = formats.date_format(timezone.localtime(invitation.expires_at), "j F Y")
    assert dutch_date in message.body
    assert invitation.expires_at - invitation.sent_at == datetime.timedelta(days=14)
    # Three different links.
    assert len({LINK.search(m.body).group(2) for m in mail.outbox}) == 3

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "evaluation/answer.html" in [t.name for t in page.templates]

    # The page lists statuses, never tokens.
    client.force_login(manager)
    listing = client.get(url)
    assert token not in listing.content.decode()
    assert listing.context["counts"] == {"total": 3, "answered": 0, "expired": 0, "open": 3}


def test_inviting_the_same_people_twice_sends_nobody_a_second_link(
    manager, programme, django_capture_on_commit_callbacks
):
    questionnaire = build(manager, programme, audience=Audience.STAKEHOLDERS)
    windesheim = questionnaire_services.save_stakeholder(
        manager, programme, name="Windesheim", kind="education", role="intervention",
        steering_group=True, contact_email="vak@windesheim.example",
    )  # fmt: skip
    no_email = questionnaire_services.save_stakeholder(
        manager, programme, name="Zonder adres", kind="business", role="influence"
    )
    candidates = questionnaire_selectors.stakeholder_candidates(manager, questionnaire)
    assert list(candidates) == [windesheim]
    with django_capture_on_commit_callbacks(execute=True):
        first = questionnaire_services.invite(
            manager, questionnaire, [Recipient(stakeholder=windesheim)], "https://vakwerk.example/"
        )
        again = questionnaire_services.invite(
            manager, questionnaire, [Recipient(stakeholder=windesheim)], "https://vakwerk.example/"
        )
    assert (len(first.invitations), first.skipped) == (1, 0)
    assert (len(again.invitations), again.skipped) == (0, 1)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["vak@windesheim.example"]
    assert not questionnaire_selectors.stakeholder_candidates(manager, questionnaire).exists()
    with pytest.raises(ValidationError):
        questionnaire_services.invite(
            manager, questionnaire, [Recipient(stakeholder=no_email)], "/"
        )

    # Once the link has expired unanswered, a new one may be sent.
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        renewed = questionnaire_services.invite(
            manager, questionnaire, [Recipient(stakeholder=windesheim)], "https://x.example"
        )
    assert len(renewed.invitations) == 1 and len(mail.outbox) == 2


def test_consultants_are_invited_from_their_own_municipality_only(
    client, manager, programme, make_user, other_municipality, django_capture_on_commit_callbacks
):
    questionnaire = build(manager, programme, audience=Audience.CONSULTANTS)
    mine = make_user(Role.CONSULTANT)
    elsewhere = make_user(Role.CONSULTANT, municipality=other_municipality)
    assert list(questionnaire_selectors.consultant_candidates(manager, questionnaire)) == [mine]
    with pytest.raises(PermissionDenied):
        questionnaire_services.invite(manager, questionnaire, [Recipient(user=elsewhere)], "/")
    client.force_login(manager)
    url = reverse("evaluation:questionnaire_invitations", args=[questionnaire.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"consultants": [mine.pk], "valid_days": 21})
    assert mail.outbox[0].to == [mine.email]
    assert Invitation.objects.get().user == mine
    refused = client.post(url, {"consultants": [elsewhere.pk], "valid_days": 21})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert Invitation.objects.count() == 1


def test_nothing_is_invited_when_an_address_is_wrong(client, manager, programme):
    questionnaire = build(manager, programme)
    client.force_login(manager)
    url = reverse("evaluation:questionnaire_invitations", args=[questionnaire.pk])
    response = client.post(url, {"emails": "goed@post.example\ngeen-adres", "valid_days": 21})
    assert response.status_code == 200 and "emails" in response.context["form"].errors
    assert not Invitation.objects.exists() and not mail.outbox


# Answering without an account


def test_answering_without_an_account_works_once(client, manager, programme, settings):
    questionnaire = build(manager, programme)
    token = open_link(questionnaire)
    # An English cookie does not change the page's language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(answer_url(token))
    assert page.status_code == 200
    assert page["Content-Language"] == "nl"
    assert b'lang="nl"' in page.content
    assert page["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page["Cache-Control"]
    assert len(page.context["form"].fields) == 4

    sent = client.post(answer_url(token), answers(questionnaire))
    assert sent.status_code == 200
    assert "evaluation/answer_thanks.html" in [t.name for t in sent.templates]
    response = Response.objects.get()
    stored = {a.question.kind: a for a in response.answers.select_related("question")}
    assert stored[LIKERT].number == 4 and stored[CHOICE].choice == "Netwerk"
    assert stored[NUMBER].number == Decimal("12.50") and stored[TEXT].text == "De groep"
    assert Invitation.objects.get().used_at is not None

    for again in (
        client.get(answer_url(token)),
        client.post(answer_url(token), answers(questionnaire)),
    ):
        assert again.status_code == 200
        assert "evaluation/answer_invalid.html" in [t.name for t in again.templates]
        assert "form" not in again.context
        assert again["Cache-Control"] and again["Referrer-Policy"] == "no-referrer"
    assert Response.objects.count() == 1 and Answer.objects.count() == 4
    with pytest.raises(InvalidLink):
        questionnaire_services.answer(token, answers(questionnaire))


def test_an_optional_question_may_stay_empty(client, manager, programme):
    questionnaire = build(manager, programme)
    token = open_link(questionnaire)
    client.post(answer_url(token), answers(questionnaire, text=""))
    assert Response.objects.count() == 1
    assert not Answer.objects.filter(question__kind=TEXT).exists()


def test_an_expired_unknown_or_closed_link_is_refused_alike(client, manager, programme):
    questionnaire = build(manager, programme)
    expired = open_link(questionnaire, days=-1)
    closed_questionnaire = build(manager, programme, title="Gesloten")
    closed = open_link(closed_questionnaire)
    Questionnaire.objects.filter(pk=closed_questionnaire.pk).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    pages = [client.get(answer_url(token)) for token in (expired, "onbekend-token", closed)]
    for page in pages:
        assert page.status_code == 200
        assert [t.name for t in page.templates][0] == "evaluation/answer_invalid.html"
    # The same page for each, apart from the per-request CSRF token and CSP nonce and the
    # page's own path.
    tokens = (expired, "onbekend-token", closed)
    shown = {
        re.sub(
            r'(name="csrfmiddlewaretoken" value|nonce)="[^"]+"', "", page.content.decode()
        ).replace(token, "TOKEN")
        for page, token in zip(pages, tokens, strict=True)
    }
    assert len(shown) == 1
    refused = client.post(answer_url(expired), answers(questionnaire))
    assert "evaluation/answer_invalid.html" in [t.name for t in refused.templates]
    assert not Response.objects.exists()
    assert Invitation.objects.filter(used_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    "wrong, field_kind",
    [({"likert": "6"}, LIKERT), ({"choice": "Krant"}, CHOICE), ({"number": "veel"}, NUMBER),
     ({"likert": ""}, LIKERT)],
)  # fmt: skip
def test_answers_that_do_not_fit_are_refused_and_nothing_is_stored(
    client, manager, programme, wrong, field_kind
):
    questionnaire = build(manager, programme)
    token = open_link(questionnaire)
    response = client.post(answer_url(token), answers(questionnaire, **wrong))
    assert response.status_code == 200
    question = questionnaire.questions.get(kind=field_kind)
    assert list(response.context["form"].errors) == [f"q{question.pk}"]
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert Invitation.objects.get().used_at is None
    # The service refuses the same answers on its own, and the link still works after.
    with pytest.raises(ValidationError) as refused:
        questionnaire_services.answer(token, answers(questionnaire, **wrong))
    assert set(refused.value.message_dict) == {f"q{question.pk}"}
    assert client.post(answer_url(token), answers(questionnaire)).status_code == 200
    assert Response.objects.count() == 1


def test_the_service_refuses_every_wrong_answer_at_once(manager, programme):
    questionnaire = build(manager, programme)
    token = open_link(questionnaire)
    wrong = answers(questionnaire, likert="3.5", choice="netwerk", number="1e999999", text="")
    with pytest.raises(ValidationError) as refused:
        questionnaire_services.answer(token, wrong)
    kinds = {Question.objects.get(pk=int(name[1:])).kind for name in refused.value.message_dict}
    assert kinds == {LIKERT, CHOICE, NUMBER}
    assert not Response.objects.exists()


def test_a_logged_in_staff_user_can_answer_too(client, manager, programme, make_user):
    questionnaire = build(manager, programme, audience=Audience.CONSULTANTS)
    consultant = make_user(Role.CONSULTANT)
    token = open_link(questionnaire, email=consultant.email, user=consultant)
    client.force_login(consultant)
    assert client.get(answer_url(token)).status_code == 200
    assert client.post(answer_url(token), answers(questionnaire)).status_code == 200
    assert Response.objects.filter(invitation__user=consultant).exists()


def test_the_answer_page_is_not_blocked_by_a_pending_second_factor(
    client, manager, programme, make_user, municipality
):
    municipality.require_two_factor = True
    municipality.save()
    questionnaire = build(manager, programme, audience=Audience.CONSULTANTS)
    consultant = make_user(Role.CONSULTANT)
    token = open_link(questionnaire, email=consultant.email, user=consultant)
    client.force_login(consultant)
    assert client.get(answer_url(token)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_store_one_response(make_user, municipality, monkeypatch):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL; run with make test"
    manager = make_user(Role.MANAGER)
    questionnaire = build(manager, ProgrammeFactory(municipality=municipality))
    token = open_link(questionnaire)
    data = answers(questionnaire)
    store = questionnaire_services._store

    def slow_store(*args):
        # Keeps the first submit inside its transaction while the second one arrives.
        time.sleep(0.5)
        return store(*args)

    monkeypatch.setattr(questionnaire_services, "_store", slow_store)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait(timeout=10)
            questionnaire_services.answer(token, data)
            outcomes.append("stored")
        except InvalidLink:
            outcomes.append("refused")
        except Exception as error:  # anything else is reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "stored"], outcomes
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 4


# Results


def respond(questionnaire, rows):
    for likert, choice, number, text in rows:
        token = open_link(questionnaire)
        questionnaire_services.answer(
            token, answers(questionnaire, likert=likert, choice=choice, number=number, text=text)
        )


def test_results_per_question(client, manager, programme):
    questionnaire = build(manager, programme)
    respond(
        questionnaire,
        [("1", "Online", "10", "Veel geleerd"), ("3", "Online", "20", ""),
         ("3", "WSP", "4,5", "De coach"), ("5", "Online", "0", "")],
    )  # fmt: skip
    open_link(questionnaire)  # invited, not answered: not a response
    results = questionnaire_statistics.results(questionnaire)
    assert results.responses == 4
    likert, choice, number, text = results.questions
    assert likert.count == 4 and likert.mean == Decimal("3.00")
    assert [(value, count) for value, _label, count, _pct in likert.distribution] == [
        (1, 1), (2, 0), (3, 2), (4, 0), (5, 1)
    ]  # fmt: skip
    assert likert.distribution[2][3] == Decimal("50.0")
    assert [(name, count) for name, _l, count, _p in choice.distribution] == [
        ("Online", 3), ("Netwerk", 0), ("WSP", 1)
    ]  # fmt: skip
    assert choice.count == 4 and choice.mean is None
    assert (number.count, number.mean, number.minimum, number.maximum) == (
        4, Decimal("8.63"), Decimal("0.00"), Decimal("20.00")
    )  # fmt: skip
    assert text.count == 2 and text.distribution == [] and text.mean is None

    client.force_login(manager)
    page = client.get(reverse("evaluation:questionnaire_results", args=[questionnaire.pk]))
    assert page.status_code == 200 and page.context["results"].responses == 4
    texts = client.get(reverse("evaluation:questionnaire_texts", args=[questionnaire.pk]))
    assert [a.text for a in texts.context["answers"]] == ["Veel geleerd", "De coach"]
    assert "no-store" in texts["Cache-Control"]


def test_results_of_a_wave_count_only_its_own_answers(manager, programme):
    baseline = build(manager, programme)
    final = build(manager, programme, wave=Wave.FINAL)
    respond(baseline, [("2", "Online", "1", "")])
    respond(final, [("4", "WSP", "10", ""), ("5", "WSP", "12", "")])
    assert questionnaire_statistics.results(baseline).questions[0].count == 1
    assert questionnaire_statistics.results(final).questions[0].mean == Decimal("4.50")


def test_baseline_and_final_are_compared_on_questions_with_the_same_text(
    client, manager, programme
):
    baseline = build(manager, programme)
    final = build(
        manager, programme, wave=Wave.FINAL,
        questions=[*QUESTIONS, {"text": "Nieuwe vraag", "kind": LIKERT}],
    )  # fmt: skip
    other_audience = build(manager, programme, audience=Audience.CONSULTANTS, wave=Wave.FINAL)
    respond(baseline, [("2", "Online", "2", ""), ("3", "Online", "4", "")])
    respond(final, [("4", "WSP", "10", ""), ("5", "Netwerk", "14", "")])
    assert questionnaire_selectors.counterpart(baseline) == final
    assert questionnaire_selectors.counterpart(other_audience) is None

    comparison = questionnaire_statistics.compare(final, baseline)
    assert comparison.baseline.questionnaire == baseline
    rows = {row.kind: row for row in comparison.questions}
    assert set(rows) == {LIKERT, CHOICE, NUMBER}  # open text is not compared
    assert (rows[LIKERT].baseline.mean, rows[LIKERT].final.mean) == (
        Decimal("2.50"),
        Decimal("4.50"),
    )
    assert rows[LIKERT].change == Decimal("2.00")
    assert rows[NUMBER].change == Decimal("9.00")
    assert rows[CHOICE].options == [
        ("Online", 2, Decimal("100.0"), 0, Decimal("0.0")),
        ("Netwerk", 0, Decimal("0.0"), 1, Decimal("50.0")),
        ("WSP", 0, Decimal("0.0"), 1, Decimal("50.0")),
    ]
    assert [q.text for q in comparison.only_final] == ["Nieuwe vraag"]
    with pytest.raises(ValueError):
        questionnaire_statistics.compare(baseline, other_audience)

    client.force_login(manager)
    page = client.get(reverse("evaluation:questionnaire_comparison", args=[baseline.pk]))
    assert page.status_code == 200 and page.context["comparison"].final.responses == 2
    alone = client.get(reverse("evaluation:questionnaire_comparison", args=[other_audience.pk]))
    assert alone.status_code == 200 and alone.context["comparison"] is None


# Stakeholders


def test_manager_keeps_the_stakeholders_of_a_programme(client, manager, programme, make_user):
    client.force_login(manager)
    create = reverse("evaluation:stakeholder_create", args=[programme.pk])
    response = client.post(
        create,
        {"name": "Gemeente Zwolle", "kind": "municipality", "role": "intervention",
         "steering_group": "on", "contact_email": "VAK@zwolle.example"},
    )  # fmt: skip
    assert response.url == reverse("evaluation:stakeholder_list", args=[programme.pk])
    stakeholder = Stakeholder.objects.get()
    assert stakeholder.steering_group and stakeholder.contact_email == "vak@zwolle.example"
    edit = reverse("evaluation:stakeholder_edit", args=[programme.pk, stakeholder.pk])
    assert client.get(edit).status_code == 200
    client.post(edit, {"name": "Gemeente Zwolle", "kind": "municipality", "role": "influence"})
    stakeholder.refresh_from_db()
    assert stakeholder.role == "influence" and not stakeholder.steering_group
    refused = client.post(create, {"name": "X", "kind": "municipality", "role": "power"})
    assert refused.status_code == 200 and "role" in refused.context["form"].errors

    listing = reverse("evaluation:stakeholder_list", args=[programme.pk])
    assert list(client.get(listing).context["stakeholders"]) == [stakeholder]
    # Consultants read the list; only managers and admins change it.
    client.force_login(make_user(Role.CONSULTANT))
    page = client.get(listing)
    assert page.status_code == 200 and page.context["can_edit"] is False
    assert client.get(edit).status_code == 403
    with pytest.raises(PermissionDenied):
        questionnaire_services.save_stakeholder(make_user(Role.CONSULTANT), programme, name="Y")


# Who may see what


def manager_pages(questionnaire, question):
    pk = questionnaire.pk
    return [
        reverse("evaluation:questionnaire_list"),
        reverse("evaluation:questionnaire_create"),
        *(reverse(f"evaluation:questionnaire_{name}", args=[pk])
          for name in ("detail", "edit", "question_create", "invitations", "results", "texts",
                       "comparison")),
        *(reverse(f"evaluation:questionnaire_question_{name}", args=[pk, question.pk])
          for name in ("edit", "delete")),
        reverse("evaluation:stakeholder_create", args=[questionnaire.programme_id]),
    ]  # fmt: skip


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_admins_open_every_page(client, make_user, programme, role):
    user = make_user(role)
    questionnaire = build(user, programme)
    client.force_login(user)
    for url in manager_pages(questionnaire, questionnaire.questions.first()):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.WSP, Role.EMPLOYER, Role.RESEARCHER])
def test_other_roles_get_403(client, make_user, manager, programme, role):
    questionnaire = build(manager, programme)
    client.force_login(make_user(role))
    question = questionnaire.questions.first()
    for url in manager_pages(questionnaire, question):
        assert client.get(url).status_code == 403, url
    move = reverse("evaluation:questionnaire_question_move", args=[questionnaire.pk, question.pk])
    assert client.post(move, {"direction": "down"}).status_code == 403
    if role != Role.CONSULTANT:
        listing = reverse("evaluation:stakeholder_list", args=[programme.pk])
        assert client.get(listing).status_code == 403


def test_another_municipality_gets_404(client, make_user, manager, programme, other_municipality):
    questionnaire = build(manager, programme)
    stakeholder = questionnaire_services.save_stakeholder(
        manager, programme, name="Windesheim", kind="education", role="intervention"
    )
    client.force_login(make_user(Role.MANAGER, municipality=other_municipality))
    urls = manager_pages(questionnaire, questionnaire.questions.first())[2:]
    urls += [
        reverse("evaluation:stakeholder_list", args=[programme.pk]),
        reverse("evaluation:stakeholder_edit", args=[programme.pk, stakeholder.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert (
        client.get(reverse("evaluation:questionnaire_list")).context["questionnaires"].count() == 0
    )
    with pytest.raises(PermissionDenied):
        questionnaire_services.save_question(
            make_user(Role.MANAGER, municipality=other_municipality), questionnaire,
            text="X", kind=TEXT,
        )  # fmt: skip


def test_anonymous_visitors_are_sent_to_the_login_page(client, manager, programme):
    questionnaire = build(manager, programme)
    for url in manager_pages(questionnaire, questionnaire.questions.first()):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


# Query counts


@pytest.mark.parametrize("responses", [5, 50])
def test_results_and_list_pages_have_a_bounded_number_of_queries(
    client, manager, programme, responses, django_assert_max_num_queries
):
    questionnaire = build(manager, programme)
    build(manager, programme, wave=Wave.FINAL)
    respond(questionnaire, [(str(1 + n % 5), "WSP", str(n), "tekst") for n in range(responses)])
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("evaluation:questionnaire_results", args=[questionnaire.pk]))
    assert page.context["results"].responses == responses
    with django_assert_max_num_queries(8):
        listing = client.get(reverse("evaluation:questionnaire_list"))
    assert {q.response_count for q in listing.context["questionnaires"]} == {responses, 0}
    for name in ("comparison", "invitations", "texts"):
        with django_assert_max_num_queries(16):
            response = client.get(
                reverse(f"evaluation:questionnaire_{name}", args=[questionnaire.pk])
            )
        assert response.status_code == 200


def test_an_empty_submit_asks_for_every_required_answer(client, manager, programme):
    questionnaire = build(manager, programme)
    token = open_link(questionnaire)
    response = client.post(answer_url(token), {})
    assert response.status_code == 200
    required = {f"q{q.pk}" for q in questionnaire.questions.filter(required=True)}
    assert set(response.context["form"].errors) == required and len(required) == 3
    assert not Response.objects.exists()
    assert Invitation.objects.get().used_at is None
