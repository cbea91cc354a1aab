"""Done when: the admin of the demo municipality downloads a valid SRG file for last
month."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from funding.provisions.models import Provision, Source, SrgDelivery
from tests.funding import srg_validator
from vakwerk.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_admin_downloads_a_valid_srg_file_for_last_month(
    demo, django_capture_on_commit_callbacks
):
    admin = User.objects.get(email="admin@zwolle.example")
    client = Client()
    client.force_login(admin)
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    listing = client.get(reverse("provisions:deliveries"))
    assert listing.status_code == 200
    assert listing.context["form"].initial["month"] == last_month
    # Requested, and built by the worker once committed (in-process: Celery runs eagerly).
    with django_capture_on_commit_callbacks(execute=True):
        built = client.post(reverse("provisions:delivery_build"), {"month": f"{last_month:%Y-%m}"})
    assert built.status_code == 302
    # The monthly job's file (seeded) and the admin's, which replaces it.
    job, delivery = SrgDelivery.objects.filter(
        municipality=admin.municipality, month=last_month
    ).order_by("version")
    assert job.built_by is None and delivery.built_by == admin
    assert job.errors == delivery.errors == []
    download = client.get(reverse("provisions:delivery_download", args=[delivery.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert srg_validator.problems(content, "0193", last_month) == []
    kinds = {record["soort"] for record in srg_validator.details(content)}
    # Recorded work (a learning/work place) and what was added by hand (wage-cost subsidy
    # with jobcoaching) are both in the file.
    assert {"029", "701", "030"} <= kinds
    assert Provision.objects.filter(
        municipality=admin.municipality, source=Source.ENROLMENT
    ).exists()
