"""The invitation e-mail and its personal link."""

from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from vakwerk import formatting


def answer_link(base_url, token):
    return base_url.rstrip("/") + reverse("evaluation:answer", kwargs={"token": token})


def invitation_email(questionnaire, invitation, link):
    """The invitation in Dutch: the people invited do not use VAKwerk and have chosen no
    language in it."""
    programme = questionnaire.programme
    with translation.override("nl"):
        expires = formatting.date(invitation.expires_at)
        subject = _("Questionnaire: %(title)s") % {"title": questionnaire.title}
        paragraphs = [
            _("Hello,"),
            _(
                "%(municipality)s asks you to fill in the questionnaire “%(title)s” about "
                "the programme %(programme)s. It takes a few minutes and you do not need "
                "an account."
            )
            % {
                "municipality": programme.municipality.name,
                "title": questionnaire.title,
                "programme": programme.name,
            },
            _("Your personal link works once and until %(date)s:") % {"date": expires},
            link,
            _(
                "Please do not pass this link on: it is meant for you alone. If you did not "
                "expect this message, you can ignore it."
            ),
        ]
    return EmailMessage(subject, "\n\n".join(paragraphs) + "\n", None, [invitation.email])


def send_all(messages):
    with get_connection() as connection:
        connection.send_messages(messages)
