"""Stakeholder and questionnaire pages for managers and admins, and the public answer
page that someone opens from the link in their invitation, without an account."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vakwerk.idempotency import idempotent
from vakwerk.permissions import role_required

from . import selectors, services, statistics
from .forms import (
    AnswerForm,
    InviteForm,
    QuestionForm,
    QuestionnaireForm,
    StakeholderForm,
)
from .models import Questionnaire

MANAGERS = tuple(selectors.MANAGERS)


def _questionnaire(request, pk):
    return get_object_or_404(
        Questionnaire.objects.for_user(request.user).select_related("programme"), pk=pk
    )


def _programme(request, pk):
    return get_object_or_404(selectors.programmes(request.user), pk=pk)


def _builder(questionnaire):
    return reverse("evaluation:questionnaire_detail", args=[questionnaire.pk])


# Stakeholders


@role_required(*selectors.STAKEHOLDER_VIEWERS)
def stakeholder_list(request, programme):
    programme = _programme(request, programme)
    context = {
        "programme": programme,
        "stakeholders": selectors.stakeholders(request.user, programme),
        "can_edit": request.user.role in selectors.MANAGERS,
    }
    return render(request, "evaluation/stakeholder_list.html", context)


@role_required(*MANAGERS)
@idempotent
def stakeholder_edit(request, programme, pk=None):
    programme = _programme(request, programme)
    stakeholder = None
    if pk is not None:
        stakeholder = get_object_or_404(selectors.stakeholders(request.user, programme), pk=pk)
    # Before the form binds: a ModelForm writes what was typed onto its instance.
    title = stakeholder.name if stakeholder else _("New stakeholder")
    form = StakeholderForm(request.POST or None, instance=stakeholder)
    if request.method == "POST" and form.is_valid():
        services.save_stakeholder(request.user, programme, stakeholder, **form.cleaned_data)
        messages.success(request, _("The stakeholder has been saved."))
        return redirect("evaluation:stakeholder_list", programme.pk)
    back = reverse("evaluation:stakeholder_list", args=[programme.pk])
    context = {"form": form, "title": title, "cancel_url": back,
               "breadcrumbs": [(_("Stakeholders of %(programme)s") % {
                   "programme": programme.name}, back)]}  # fmt: skip
    return render(request, "form_page.html", context)


# Questionnaires and the builder


@role_required(*MANAGERS)
def questionnaire_list(request):
    context = {
        "questionnaires": selectors.questionnaire_list(request.user),
        "programmes": selectors.programmes(request.user),
    }
    return render(request, "evaluation/questionnaire_list.html", context)


@role_required(*MANAGERS)
@idempotent
def questionnaire_edit(request, pk=None):
    questionnaire = _questionnaire(request, pk) if pk is not None else None
    title = questionnaire.title if questionnaire else _("New questionnaire")
    form = QuestionnaireForm(request.POST or None, instance=questionnaire, user=request.user)
    if request.method == "POST" and form.is_valid():
        programme = questionnaire.programme if questionnaire else form.cleaned_data["programme"]
        try:
            saved = services.save_questionnaire(
                request.user, programme, questionnaire, **form.service_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The questionnaire has been saved."))
            return redirect(_builder(saved))
    back = _builder(questionnaire) if questionnaire else reverse("evaluation:questionnaire_list")
    context = {
        "form": form,
        "title": title,
        "cancel_url": back,
        "breadcrumbs": [(_("Questionnaires"), reverse("evaluation:questionnaire_list"))],
    }
    return render(request, "form_page.html", context)


@role_required(*MANAGERS)
def questionnaire_detail(request, pk):
    questionnaire = _questionnaire(request, pk)
    context = {
        "questionnaire": questionnaire,
        "questions": questionnaire.questions.all(),
        "frozen": selectors.is_frozen(questionnaire),
        "summary": selectors.invitation_summary(questionnaire),
    }
    return render(request, "evaluation/questionnaire_detail.html", context)


@role_required(*MANAGERS)
@idempotent
def questionnaire_question_edit(request, pk, question=None):
    questionnaire = _questionnaire(request, pk)
    if question is not None:
        question = get_object_or_404(questionnaire.questions, pk=question)
    if selectors.is_frozen(questionnaire):
        messages.warning(request, _("This questionnaire has answers; its questions are final."))
        return redirect(_builder(questionnaire))
    form = (QuestionForm.for_question(question, request.POST or None) if question
            else QuestionForm(request.POST or None))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.save_question(request.user, questionnaire, question, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The question has been saved."))
            return redirect(_builder(questionnaire))
    title = _("Edit question") if question else _("New question")
    context = {"form": form, "title": title, "questionnaire": questionnaire,
               "cancel_url": _builder(questionnaire)}  # fmt: skip
    return render(request, "evaluation/questionnaire_question_form.html", context)


@role_required(*MANAGERS)
def questionnaire_question_delete(request, pk, question):
    questionnaire = _questionnaire(request, pk)
    question = get_object_or_404(questionnaire.questions, pk=question)
    if request.method == "POST":
        try:
            services.delete_question(request.user, question)
            messages.success(request, _("The question has been deleted."))
        except ValidationError as error:
            messages.error(request, error.messages[0])
        return redirect(_builder(questionnaire))
    context = {"questionnaire": questionnaire, "question": question}
    return render(request, "evaluation/questionnaire_question_delete.html", context)


@role_required(*MANAGERS)
@require_POST
def questionnaire_question_move(request, pk, question):
    questionnaire = _questionnaire(request, pk)
    question = get_object_or_404(questionnaire.questions, pk=question)
    try:
        services.move_question(request.user, question, up=request.POST.get("direction") == "up")
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect(_builder(questionnaire))


# Invitations and results


@role_required(*MANAGERS)
@idempotent
def questionnaire_invitations(request, pk):
    questionnaire = _questionnaire(request, pk)
    form = InviteForm(request.POST or None, questionnaire=questionnaire, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.invite(
                request.user, questionnaire, form.recipients(),
                base_url=request.build_absolute_uri("/"),
                valid_days=form.cleaned_data["valid_days"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _report_invited(request, invited)
            return redirect("evaluation:questionnaire_invitations", questionnaire.pk)
    context = {
        "questionnaire": questionnaire,
        "form": form,
        "invitations": selectors.invitations(questionnaire),
        "counts": selectors.invitation_counts(questionnaire),
        "status_labels": selectors.InvitationStatus.LABELS,
    }
    return render(request, "evaluation/questionnaire_invitations.html", context)


def _report_invited(request, invited):
    sent = len(invited.invitations)
    messages.success(
        request,
        ngettext("%(count)s invitation has been sent.", "%(count)s invitations have been sent.",
                 sent) % {"count": sent},
    )  # fmt: skip
    if invited.skipped:
        messages.info(
            request,
            ngettext(
                "%(count)s address was skipped: it has an answered or open invitation.",
                "%(count)s addresses were skipped: they have an answered or open invitation.",
                invited.skipped,
            )
            % {"count": invited.skipped},
        )


@role_required(*MANAGERS)
def questionnaire_results(request, pk):
    questionnaire = _questionnaire(request, pk)
    context = {
        "questionnaire": questionnaire,
        "results": statistics.results(questionnaire),
        "counterpart": selectors.counterpart(questionnaire),
    }
    return render(request, "evaluation/questionnaire_results.html", context)


@role_required(*MANAGERS)
@never_cache
def questionnaire_texts(request, pk):
    questionnaire = _questionnaire(request, pk)
    context = {"questionnaire": questionnaire, "answers": statistics.open_answers(questionnaire)}
    return render(request, "evaluation/questionnaire_texts.html", context)


@role_required(*MANAGERS)
def questionnaire_comparison(request, pk):
    questionnaire = _questionnaire(request, pk)
    other = selectors.counterpart(questionnaire)
    context = {
        "questionnaire": questionnaire,
        "comparison": statistics.compare(questionnaire, other) if other else None,
    }
    return render(request, "evaluation/questionnaire_comparison.html", context)


# The public answer page


@never_cache
def answer(request, token):
    """Needs no login and no role: the token in the link is the only credential. Always
    Dutch, whatever the browser or a cookie asks for; never cached, and the token-bearing
    address is not sent on as a referrer."""
    with translation.override("nl"):
        response = _answer_page(request, token)
    response["Content-Language"] = "nl"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _answer_page(request, token):
    try:
        invitation = selectors.open_invitation(token)
    except selectors.InvalidLink:
        return render(request, "evaluation/answer_invalid.html")
    questionnaire = invitation.questionnaire
    # An empty POST is still a submission: every required question must say so.
    data = request.POST if request.method == "POST" else None
    form = AnswerForm(data, questions=list(questionnaire.questions.all()))
    if request.method == "POST" and form.is_valid():
        thanks = "evaluation/answer_thanks.html"
        try:
            services.answer(token, form.cleaned_data)
        except selectors.InvalidLink:
            return render(request, "evaluation/answer_invalid.html")
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return render(request, thanks, {"questionnaire": questionnaire})
    context = {"questionnaire": questionnaire, "form": form}
    return render(request, "evaluation/answer.html", context)
