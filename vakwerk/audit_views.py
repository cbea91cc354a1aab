"""The audit trail for admins and managers of a municipality: search it and export it."""

from django.apps import apps
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation

from . import audit, audit_text, spreadsheets
from .audit import AuditAction
from .audit_forms import AMSTERDAM, AuditFilterForm
from .db_routing import read_transaction
from .downloads import attachment
from .models import AuditEntry
from .paging import keyset_page, query_without
from .permissions import role_required
from .roles import Role

PAGE_SIZE = 50
AUDIT_ROLES = (Role.ADMIN, Role.MANAGER)
# Privacy officers open the file in Excel, and its columns are a format of their own:
# always Dutch, whatever language the screen of the user who made it is in.
CSV_LANGUAGE = "nl"
CSV_HEADER = [
    "Tijdstip", "Gebruiker", "Rol", "Actie", "Object", "Object-id", "Deelnemernummer",
    "Wat", "Doel",
]  # fmt: skip


def _filtered(request):
    form = AuditFilterForm(request.GET, user=request.user)
    return form, form.filter(AuditEntry.objects.for_user(request.user))


@role_required(*AUDIT_ROLES)
def audit_list(request):
    form, entries = _filtered(request)
    # Keyset, not OFFSET: the trail grows with every page anyone opens, and its oldest
    # entries must open as fast as today's. For the same reason there is no total count.
    page = keyset_page(entries, request.GET.get("from"), PAGE_SIZE, "at")
    labels = _Labels()
    for entry in page:
        entry.role_label, entry.object_label = labels.role(entry), labels.object(entry)
        entry.detail_text = labels.detail(entry)
    query = query_without(request, "from")
    return render(request, "vakwerk/audit_list.html", {"form": form, "page": page, "query": query})


@role_required(*AUDIT_ROLES)
def audit_export(request):
    form, entries = _filtered(request)
    if not form.is_valid():
        return redirect(f"{reverse('audit_list')}?{request.GET.urlencode()}")
    audit.record(request.user, AuditAction.EXPORT, detail="audit trail export")
    with translation.override(CSV_LANGUAGE):
        labels = _Labels()
    filename = f"audittrail-{timezone.localdate():%Y-%m-%d}.csv"
    return attachment(
        _csv_lines(entries, labels), "text/csv; charset=utf-8", filename, streaming=True
    )


class _Labels:
    """Readable role, action and object names, resolved once in the language given."""

    def __init__(self):
        self.language = translation.get_language()
        self.roles = {value: str(label) for value, label in Role.choices}
        self.actions = {value: str(label) for value, label in AuditAction.choices}
        self.objects = {m._meta.model_name: str(m._meta.verbose_name) for m in apps.get_models()}

    def role(self, entry):
        return self.roles.get(entry.role, entry.role)

    def action(self, entry):
        return self.actions.get(entry.action, entry.action)

    def object(self, entry):
        return self.objects.get(entry.object_type, entry.object_type)

    def detail(self, entry):
        # Made now, in the language these labels were made in: the trail stores keys.
        with translation.override(self.language):
            return audit_text.describe(entry.detail, entry.object_type)


class _Echo:
    """csv.writer wants a file; this one hands each line back to be streamed."""

    def write(self, line):
        return line


def _csv_lines(entries, labels):
    # A failed login stores whatever was typed as the user name, so the trail holds text
    # an attacker chose: every cell goes through the formula guard.
    writer = spreadsheets.excel_csv_writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    # The trail may be long: streamed from a server-side cursor, which lives in a
    # transaction (README, "Connection pooling"); it ends with the last line or when the
    # response is closed.
    with read_transaction():
        yield from _entry_lines(entries, labels, writer)


def _entry_lines(entries, labels, writer):
    for entry in entries.iterator(chunk_size=1000):
        row = [
            timezone.localtime(entry.at, AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S"),
            entry.user_email,
            labels.role(entry),
            labels.action(entry),
            labels.object(entry),
            entry.object_id,
            entry.participant_id,
            labels.detail(entry),
            entry.purpose,
        ]
        yield writer.writerow(row)
