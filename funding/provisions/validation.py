"""The guideline's rules (spec A8, A9) as checks: on one provision when a consultant adds
it by hand, and on a month's provisions before delivery, listed per participant."""

from django.utils.translation import gettext as _

from vakwerk.bsn import is_valid_bsn

from . import spec


def provision_errors(provision):
    """{field: message} for one provision; empty when it may be saved."""
    errors = {}
    kind = provision.kind if provision.kind_id else None
    if provision.start_date and provision.end_date and provision.end_date < provision.start_date:
        errors["end_date"] = _("The end date lies before the start date.")
    has_subsidy = (
        provision.wage_subsidy_percentage is not None or provision.wage_subsidy_amount is not None
    )
    if kind is not None and kind.wage_subsidy and not has_subsidy:
        errors["wage_subsidy_percentage"] = _(
            "A wage-cost subsidy needs its percentage or its amount per month."
        )
    if kind is not None and not kind.wage_subsidy and has_subsidy:
        errors["wage_subsidy_percentage"] = _(
            "A percentage or amount belongs only to a wage-cost subsidy."
        )
    return errors


def same_kind_conflicts(rows):
    """(provision, earlier one, overlaps) for each provision that runs at the same time as
    (overlaps True) or starts the day after (False) an earlier provision of the same kind
    for the same person. Compared with the latest-ending earlier one, so a long provision
    is seen past the short ones inside it."""
    conflicts = []
    by_key = {}
    for row in sorted(rows, key=lambda r: (r.participant_id, r.kind_id, r.start_date, r.pk)):
        by_key.setdefault((row.participant_id, row.kind_id), []).append(row)
    for group in by_key.values():
        reach = None  # the earlier provision that ends last (None end: still running)
        for row in group:
            if reach is not None:
                if reach.end_date is None or row.start_date <= reach.end_date:
                    conflicts.append((row, reach, True))
                elif (row.start_date - reach.end_date).days == 1:
                    conflicts.append((row, reach, False))
            if reach is None or (
                reach.end_date is not None
                and (row.end_date is None or row.end_date > reach.end_date)
            ):
                reach = row
    return conflicts


def delivery_errors(rows, month):
    """Every rule a provision of the month breaks, as dicts of ids and a Dutch message: the
    list a municipality's admin works through before delivering."""
    first, last = spec.month_bounds(month)
    errors = []

    def add(row, message):
        errors.append(
            {"participant_id": row.participant_id, "provision_id": row.pk, "message": message}
        )

    for row in rows:
        participant = row.participant
        if not participant.bsn or not is_valid_bsn(participant.bsn):
            add(row, _("The participant has no valid BSN."))
        if participant.birth_date is None:
            add(row, _("The participant's date of birth is missing."))
        if not (row.kind.srg_code.isdigit() and len(row.kind.srg_code) == 3):
            add(row, _("The kind of provision has no valid SRG code."))
        if row.start_date > last or (row.end_date is not None and row.end_date < first):
            add(row, _("The provision does not run in this month."))
        for message in provision_errors(row).values():
            add(row, message)
        percentage = row.wage_subsidy_percentage
        if percentage is not None and not 0 <= percentage <= 100:
            add(row, _("The wage-cost subsidy percentage lies outside 0 to 100."))
    for row, _earlier, overlaps in same_kind_conflicts(rows):
        if overlaps:
            add(row, _("It overlaps with another provision of the same kind."))
    return errors
