"""The managers' mail that a monthly report is ready: the programme, the kind and the
month, and a link to the report in VAKwerk (the PDF itself stays behind the login)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from vakwerk.roles import Role

from .models import Report

logger = logging.getLogger(__name__)
User = get_user_model()


def report_ready_messages(report):
    """One mail per active manager of the report's municipality, in Dutch."""
    managers = User.objects.filter(
        role=Role.MANAGER, is_active=True, municipality_id=report.programme.municipality_id
    ).order_by("pk")
    url = settings.VAKWERK_BASE_URL + reverse("evaluation:report_detail", args=[report.pk])
    messages = []
    with translation.override("nl"):
        context = {
            "report": report,
            "kind": report.get_kind_display(),
            "programme": report.programme.name,
            "month": formats.date_format(report.period_end, "YEAR_MONTH_FORMAT"),
            "url": url,
        }
        subject = _("Monthly %(kind)s of %(programme)s is ready") % {
            "kind": str(context["kind"]).lower(),
            "programme": context["programme"],
        }
        text = render_to_string("evaluation/email/monthly_report_ready.txt", context)
        html = render_to_string("evaluation/email/monthly_report_ready.html", context)
    for manager in managers:
        message = EmailMultiAlternatives(subject, text, to=[manager.email])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def send_report_ready(report_id):
    """Called once the report is committed as done. A mail server that is down costs the
    mail, never the report: the report is on the managers' list either way."""
    report = Report.objects.select_related("programme").get(pk=report_id)
    try:
        messages = report_ready_messages(report)
        if messages:
            get_connection().send_messages(messages)
    except Exception:
        logger.exception("mail that report %s is ready not sent", report_id)
