import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vakwerk.audit_views import CSV_HEADER
from vakwerk.models import AuditAction, AuditEntry
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(day, hour, minute=0):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=AMSTERDAM)


def entry(user, action, when, participant_id=None, **fields):
    values = {
        "user": user,
        "user_email": user.email if user else "",
        "role": user.role if user else "",
        "municipality_id": user.municipality_id if user else None,
        "action": action,
        "at": when,
        "participant_id": participant_id,
        **fields,
    }
    row = AuditEntry(**values)
    row.save()
    return row


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def trail(make_user, manager):
    """Three entries around midnight of 2 March, Amsterdam time (23:30 UTC on 2 March is
    already 3 March in Amsterdam)."""
    anna, bert = make_user(Role.CONSULTANT), make_user(Role.CONSULTANT)
    return {
        "anna": anna,
        "bert": bert,
        "viewed": entry(anna, AuditAction.VIEW, at(1, 10), participant_id=11, detail="page"),
        "changed": entry(bert, AuditAction.UPDATE, at(2, 23, 30), participant_id=12),
        "exported": entry(manager, AuditAction.EXPORT, at(3, 0, 30), detail="research export"),
    }


def shown(client, **params):
    response = client.get(reverse("audit_list"), params)
    assert response.status_code == 200
    return [row.pk for row in response.context["page"].object_list]


def test_filters_by_participant_user_action_and_period(client, manager, trail):
    client.force_login(manager)
    assert shown(client, participant=11) == [trail["viewed"].pk]
    assert shown(client, user=trail["bert"].pk) == [trail["changed"].pk]
    assert shown(client, action="export", date_to="2026-03-31") == [trail["exported"].pk]
    # Periods are Dutch calendar days: 00:30 on 3 March belongs to 3 March, not to the
    # 2 March it still is in UTC.
    assert shown(client, date_from="2026-03-02", date_to="2026-03-02") == [trail["changed"].pk]
    assert shown(client, date_from="2026-03-01", date_to="2026-03-03") == [
        trail["exported"].pk,
        trail["changed"].pk,
        trail["viewed"].pk,
    ]
    assert shown(client, participant=11, user=trail["bert"].pk) == []


def test_a_reversed_period_is_an_error_and_shows_nothing(client, manager, trail):
    client.force_login(manager)
    response = client.get(
        reverse("audit_list"), {"date_from": "2026-03-03", "date_to": "2026-03-01"}
    )
    assert response.context["form"].errors["date_to"]
    assert not response.context["page"].object_list


def test_admins_see_the_trail_too(client, make_user, trail):
    client.force_login(make_user(Role.ADMIN))
    assert trail["viewed"].pk in shown(client)


def test_entries_of_another_municipality_never_show(
    client, manager, trail, make_user, other_municipality
):
    stranger = make_user(Role.CONSULTANT, municipality=other_municipality)
    theirs = entry(stranger, AuditAction.VIEW, at(1, 11), participant_id=11)
    client.force_login(manager)

    everything = shown(client)
    assert theirs.pk not in everything
    assert set(
        AuditEntry.objects.filter(pk__in=everything).values_list("municipality_id", flat=True)
    ) == {manager.municipality_id}
    assert shown(client, participant=11) == [trail["viewed"].pk]
    # Their users are not a choice, and asking for one anyway shows nothing.
    response = client.get(reverse("audit_list"), {"user": stranger.pk})
    assert stranger not in response.context["form"].fields["user"].queryset
    assert not response.context["page"].object_list
    export = client.get(reverse("audit_export"))
    assert f"{stranger.email}".encode() not in b"".join(export.streaming_content)


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.WSP, Role.EMPLOYER, Role.RESEARCHER])
def test_other_roles_are_refused(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("audit_list")).status_code == 403
    assert client.get(reverse("audit_export")).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("audit_export"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def read_csv(response):
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_export_streams_the_filtered_rows_as_csv_and_is_itself_audited(client, manager, trail):
    client.force_login(manager)
    response = client.get(reverse("audit_export"), {"participant": 11})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audittrail-')
    header, *rows = read_csv(response)
    assert header == CSV_HEADER
    assert len(rows) == 1
    when, email, _role, _action, _object, _object_id, participant, detail, _purpose = rows[0]
    assert (when, email, participant, detail) == (
        "2026-03-01 10:00:00",
        trail["anna"].email,
        "11",
        "pagina",
    )
    export = AuditEntry.objects.get(detail="audit trail export")
    assert (export.action, export.user, export.municipality_id) == (
        AuditAction.EXPORT,
        manager,
        manager.municipality_id,
    )


def test_export_defuses_text_excel_would_run_as_a_formula(client, manager, make_user):
    entry(None, AuditAction.LOGIN_FAILED, at(4, 9), user_email="=1+2",
          municipality_id=manager.municipality_id)  # fmt: skip
    client.force_login(manager)
    rows = read_csv(client.get(reverse("audit_export"), {"action": "login_failed"}))
    assert rows[1][1] == "'=1+2"


def test_export_with_an_invalid_filter_goes_back_to_the_page_and_exports_nothing(client, manager):
    client.force_login(manager)
    response = client.get(reverse("audit_export"), {"participant": "abc"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("audit_list"))
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_pages_of_fifty_newest_first_with_a_constant_number_of_queries(client, manager):
    client.force_login(manager)
    url = reverse("audit_list")
    client.get(url)  # the first request after login also touches the session

    def add(count):
        start = AuditEntry.objects.count()
        AuditEntry.objects.bulk_create(
            AuditEntry(
                user=manager,
                user_email=manager.email,
                role=manager.role,
                municipality_id=manager.municipality_id,
                action=AuditAction.VIEW,
                object_type="participant",
                object_id=str(n),
                participant_id=n,
                at=at(1, 8) + datetime.timedelta(minutes=start + n),
            )
            for n in range(count)
        )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response

    add(5)
    few, _response = queries()
    add(195)
    many, response = queries()
    assert few == many <= 12
    page = response.context["page"]
    assert len(page.object_list) == 50
    times = [row.at for row in page.object_list]
    assert times == sorted(times, reverse=True)


def test_older_pages_follow_by_keyset_and_keep_the_filter(client, manager, make_user):
    other = make_user(Role.CONSULTANT)
    # Entries sharing a moment: the id decides their order, and none may be lost.
    AuditEntry.objects.bulk_create(
        AuditEntry(user=user, user_email=user.email, role=user.role,
                   municipality_id=manager.municipality_id, action=AuditAction.VIEW,
                   object_type="participant", object_id=str(n), participant_id=n,
                   at=at(1, 8) + datetime.timedelta(minutes=n // 3))
        for n in range(130)
        for user in (manager, other)
    )  # fmt: skip
    expected = list(
        AuditEntry.objects.filter(user=other).order_by("-at", "-pk").values_list("pk", flat=True)
    )
    client.force_login(manager)
    url = reverse("audit_list")
    seen, params = [], {"user": other.pk}
    while True:
        response = client.get(url, params)
        page = response.context["page"]
        seen += [row.pk for row in page]
        if not page.older:
            break
        assert f"user={other.pk}&amp;from={page.older}" in response.content.decode()
        params = {"user": other.pk, "from": page.older}
    assert seen == expected
    assert "Nieuwste eerst" in response.content.decode()


def test_the_database_refuses_to_change_or_remove_an_audit_row(manager, evidence):
    row = entry(manager, AuditAction.VIEW, at(1, 9), detail="page")
    # DatabaseError covers the InternalError PostgreSQL raises from the trigger.
    with connection.cursor() as cursor:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("UPDATE vakwerk_auditentry SET detail='x' WHERE id=%s", [row.pk])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("DELETE FROM vakwerk_auditentry WHERE id=%s", [row.pk])
    assert AuditEntry.objects.get(pk=row.pk).detail == "page"
    evidence.append(f"audit trail: {connection.vendor} refused UPDATE and DELETE of a row")

    row.detail = "x"
    with pytest.raises(ValueError, match="append-only"):
        row.save()
    with pytest.raises(ValueError, match="append-only"):
        row.delete()
    assert AuditEntry.objects.get(pk=row.pk).detail == "page"
