"""The savings model: what a programme saved the municipality, what it will save, what it
cost, and what that means for the revolving fund and a social impact bond.

Definitions (every figure is a Decimal quantized to cents unless said otherwise):

- Population: outcome measurements (nametingen) of the programme's groups
  (`cohort.programme`) at the follow-up the assumptions call sustainable, measured on or
  before the calculation date. Participants marked `in_comparison_group` are never counted
  as the programme's result; they only set the comparison-group counterfactual.
- Entry cohort (optional, `entered`): a page that shows a period counts only the
  participants who entered (`enrolled_on`) in it, up to the calculation date, the
  programme's and the comparison group's alike (the counterfactual then compares people
  who entered in the same months). Without it, every participant of the programme.
- Sustainable outflow: measured at the sustainable follow-up with benefit status "none"
  and a reason that counts as outflow to work (work, education, own business). Moving away
  or a working partner end the benefit without the programme's help and do not count.
- Partial benefit: benefit status "partial" counts as `partial_benefit_share` of a person
  in every figure (outflows, counterfactual, realised savings).
- Outflows per benefit type = sustainable outflows + share × partial.
- Yearly cost per benefit type: bijstand, WW and both from the assumptions; "other or
  none" is no benefit the municipality pays, so 0.
- Gross projected = Σ over benefit types (outflows × yearly cost × duration).
- Counterfactual rate: measured from the benefit register when the manager's switch
  (`use_register_rate`, a versioned assumption) is on and the register can: the matched,
  weighted comparison group's off-benefit rate of the programme at the same follow-up
  (`participants.register.selectors.net_effects`, its "programme" row; the same period's
  entrants), with its 95 % interval. Otherwise the assumptions' choice, and
  `counterfactual_reason` says why (the manager chose it, or the register matched none of
  the programme's participants): the reference outflow rate, or the manual comparison group's
  measured rate at the same follow-up (its outflows / its measured participants).
  Rounded to four decimals and used as shown; `counterfactual_source` says which. While
  none of the manual comparison group is measured (and the register has no rate) there
  is no rate: every net figure is None and `net_unavailable` says why ("net cannot be
  calculated: no comparison group"), never net = gross.
- Savings range (register only): the net figures again with the interval's high rate
  (low end) and low rate (high end); every other figure is as above.
- Expected anyway = rate × participants of that benefit type measured at the follow-up.
- Net projected = Σ max(0, outflows − expected anyway) × yearly cost × duration.
- Realised to date = Σ per outflow (partial weighted by the share): yearly cost ×
  min(duration, years since the measurement), a year being 365 days.
- Programme cost: every expenditure booked on the programme's funds by the end of the
  calculation date (Europe/Amsterdam), with the corrections of expenditures
  (`_programme_costs`). Also for an entry cohort: the ledger does not say
  which participant a euro was spent on, so a cohort's savings are set against the whole
  programme's cost by then (net savings and return per euro of a cohort are therefore
  on the low side, never flattering).
- Net savings = net projected − programme cost; return per euro = net projected / cost
  (None when nothing has been spent). The gross counterparts are shown beside them.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import (
    OUTFLOW_TO_WORK,
    BenefitStatus,
    BenefitType,
    OutcomeMeasurement,
)
from participants.register import selectors as register
from vakwerk import audit, formatting
from vakwerk.audit import AuditAction
from vakwerk.models import Municipality, Programme
from vakwerk.roles import Role

from . import selectors, services
from .models import (
    Counterfactual,
    EntryKind,
    Fund,
    LedgerEntry,
    SavingsAssumptions,
    booked_by_end_of,
)

CENT = Decimal("0.01")
RATE = Decimal("0.0001")
ZERO = Decimal("0.00")
DAYS_PER_YEAR = Decimal(365)

# Every assumption a version holds, in the order the report shows them.
ASSUMPTION_FIELDS = (
    "yearly_cost_bijstand",
    "yearly_cost_ww",
    "yearly_cost_both",
    "remaining_duration_years",
    "sustainable_follow_up",
    "partial_benefit_share",
    "counterfactual",
    "reference_outflow_rate",
    "use_register_rate",
)
YEARLY_COST_FIELD = {
    BenefitType.BIJSTAND: "yearly_cost_bijstand",
    BenefitType.WW: "yearly_cost_ww",
    BenefitType.BOTH: "yearly_cost_both",
}
# The dashboard's "off benefit" predicate: one definition of an outflow for both.
SUSTAINABLE = OUTFLOW_TO_WORK
PARTIAL = Q(benefit_status=BenefitStatus.PARTIAL)


def cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def yearly_cost(assumptions, benefit_type):
    name = YEARLY_COST_FIELD.get(benefit_type)
    return getattr(assumptions, name) if name else ZERO


def assumptions_used(assumptions):
    """The version and each value, as the report shows them and the ledger stores them."""
    values = {"version": assumptions.version}
    values.update({name: getattr(assumptions, name) for name in ASSUMPTION_FIELDS})
    values["note"] = assumptions.note
    return values


def default_assumptions(municipality):
    """The model's defaults, unsaved (version None): what a municipality sees before it
    saved a version of its own."""
    return SavingsAssumptions(municipality=municipality, version=None)


def preview_assumptions(assumptions, **changes):
    """An unsaved copy with some values changed, to show what a change would do before
    anyone makes it a version. It keeps no version number: it is nobody's assumption."""
    values = {name: getattr(assumptions, name) for name in ASSUMPTION_FIELDS}
    values.update(changes)
    return SavingsAssumptions(municipality_id=assumptions.municipality_id, version=None, **values)


# How each assumption is shown; the others are a count of months or a choice.
MONEY_ASSUMPTIONS = ("yearly_cost_bijstand", "yearly_cost_ww", "yearly_cost_both")
SHARE_ASSUMPTIONS = ("partial_benefit_share", "reference_outflow_rate")


def assumption_rows(assumptions, results=()):
    """(label, value as text) for every assumption, in ASSUMPTION_FIELDS' order and the
    active language: the one list the savings page, its history and the savings PDF show.
    With `results`, a last row per programme says which counterfactual was used (the
    register's measured rate goes before the assumed one)."""
    rows = []
    for name in ASSUMPTION_FIELDS:
        model_field = SavingsAssumptions._meta.get_field(name)
        value = getattr(assumptions, name)
        if name in MONEY_ASSUMPTIONS:
            text = formatting.money(value)
        elif name in SHARE_ASSUMPTIONS:
            text = formatting.percent(value)
        elif isinstance(value, bool):
            text = _("yes") if value else _("no")
        elif name == "remaining_duration_years":
            text = _("%(years)s years") % {"years": formatting.number(value.normalize())}
        elif name == "sustainable_follow_up":
            text = _("%(months)s months") % {"months": value}
        elif model_field.choices:
            text = str(dict(model_field.flatchoices).get(value, value))
        else:
            text = str(value)
        rows.append((str(model_field.verbose_name), text))
    results = list(results)
    for result in results:
        label = _("counterfactual used")
        if len(results) > 1:
            label = f"{label} · {result.programme.name}"
        rows.append((str(label), result.counterfactual_text))
    return rows


@dataclass(frozen=True)
class BenefitTypeFigures:
    benefit_type: str
    label: str
    participants: int
    sustainable_outflows: int
    partial: int
    outflows: Decimal
    yearly_cost: Decimal
    gross_projected: Decimal
    expected_anyway: Decimal | None
    net_outflows: Decimal | None
    net_projected: Decimal | None
    realised_to_date: Decimal


# Why a result has no net figures, as stored in the ledger's calculation.
NO_COMPARISON_GROUP = "no_comparison_group"

# Where the counterfactual rate came from, as stored in the ledger's calculation.
SOURCE_REGISTER = "benefit_register"
SOURCE_COMPARISON_GROUP = Counterfactual.COMPARISON_GROUP.value
SOURCE_REFERENCE_RATE = Counterfactual.REFERENCE_RATE.value
# Why the register's rate was not used, as stored in the ledger's calculation.
REASON_CHOSEN = "manager_chose_assumed"
REASON_NO_MATCHES = "register_too_few_matches"


@dataclass(frozen=True)
class SavingsResult:
    programme: object
    on_date: datetime.date
    assumptions: dict
    counterfactual_rate: Decimal | None
    comparison_participants: int | None
    by_benefit_type: list
    participants: int
    sustainable_outflows: int
    partial: int
    outflows: Decimal
    realised_to_date: Decimal
    gross_projected: Decimal
    net_projected: Decimal | None
    programme_cost: Decimal
    gross_savings: Decimal
    net_savings: Decimal | None
    gross_return_per_euro: Decimal | None
    return_per_euro: Decimal | None
    net_unavailable: str | None = None
    # (first day or None, last day) of the entry cohort counted, or None: everyone.
    entered: tuple | None = None
    counterfactual_source: str = SOURCE_REFERENCE_RATE
    # The register's comparison rate's 95 % interval, and the net figures at its ends
    # (low savings at the high rate); None unless the rate came from the register.
    counterfactual_low: Decimal | None = None
    counterfactual_high: Decimal | None = None
    register_matched: int | None = None
    # Why the register's rate was not used (REASON_*), and what it measured if anything.
    counterfactual_reason: str | None = None
    register_rate: Decimal | None = None
    net_projected_low: Decimal | None = None
    net_projected_high: Decimal | None = None

    @property
    def net_savings_low(self):
        if self.net_projected_low is None:
            return None
        return self.net_projected_low - self.programme_cost

    @property
    def net_savings_high(self):
        if self.net_projected_high is None:
            return None
        return self.net_projected_high - self.programme_cost

    @property
    def has_range(self):
        return self.net_projected_low is not None

    @property
    def net_unavailable_text(self):
        """What the pages and PDFs show instead of the net figures, or None."""
        if self.net_unavailable == NO_COMPARISON_GROUP:
            return _("net cannot be calculated: no comparison group")
        return None

    @property
    def counterfactual_text(self):
        """Which counterfactual the net figures used, in one line."""
        if self.net_unavailable:
            return self.net_unavailable_text
        rate = formatting.percent(self.counterfactual_rate)
        if self.counterfactual_source == SOURCE_REGISTER:
            return _(
                "measured: matched comparison group from the benefit register, %(rate)s "
                "(95%% interval %(low)s – %(high)s; %(matched)s participants matched)"
            ) % {
                "rate": rate,
                "low": formatting.percent(self.counterfactual_low),
                "high": formatting.percent(self.counterfactual_high),
                "matched": self.register_matched,
            }
        if self.counterfactual_source == SOURCE_COMPARISON_GROUP:
            return _(
                "measured: comparison group of participants, %(rate)s (%(people)s people)"
            ) % {
                "rate": rate,
                "people": self.comparison_participants,
            }
        return _("assumed: reference outflow rate, %(rate)s") % {"rate": rate}

    @property
    def counterfactual_reason_text(self):
        """Why the assumed counterfactual was used rather than the register's, or None."""
        if self.counterfactual_reason == REASON_CHOSEN:
            if self.register_rate is not None:
                return _(
                    "The manager chose the assumed counterfactual in the savings assumptions; "
                    "the benefit register measured %(rate)s (%(matched)s participants matched)."
                ) % {
                    "rate": formatting.percent(self.register_rate),
                    "matched": self.register_matched,
                }
            return _("The manager chose the assumed counterfactual in the savings assumptions.")
        if self.counterfactual_reason == REASON_NO_MATCHES:
            return _(
                "Assumed because the benefit register has too few matches: none of the "
                "programme's participants measured at this follow-up could be matched (no "
                "snapshot covers them, or nobody in the register is comparable)."
            )
        return None

    def as_calculation(self):
        """JSON for the ledger: which assumptions version and which figures."""

        def text(value):
            return None if value is None else str(value)

        assumptions = {
            name: value if isinstance(value, int | str) or value is None else str(value)
            for name, value in self.assumptions.items()
        }
        return {
            "programme": {"id": self.programme.pk, "name": self.programme.name},
            "on_date": self.on_date.isoformat(),
            "assumptions": assumptions,
            "counterfactual_rate": text(self.counterfactual_rate),
            "counterfactual_source": self.counterfactual_source,
            "counterfactual_interval": [
                text(self.counterfactual_low),
                text(self.counterfactual_high),
            ],
            "register_matched": self.register_matched,
            "counterfactual_reason": self.counterfactual_reason,
            "comparison_participants": self.comparison_participants,
            "net_unavailable": self.net_unavailable,
            **({} if self.entered is None else {"entered": [text(day) for day in self.entered]}),
            "figures": {
                "participants": self.participants,
                "sustainable_outflows": self.sustainable_outflows,
                "partial": self.partial,
                "outflows": str(self.outflows),
                "realised_to_date": str(self.realised_to_date),
                "gross_projected": str(self.gross_projected),
                "net_projected": text(self.net_projected),
                "programme_cost": str(self.programme_cost),
                "net_savings": text(self.net_savings),
                "net_projected_range": [
                    text(self.net_projected_low),
                    text(self.net_projected_high),
                ],
                "net_savings_range": [text(self.net_savings_low), text(self.net_savings_high)],
                "return_per_euro": text(self.return_per_euro),
            },
            "by_benefit_type": {
                row.benefit_type: {
                    "participants": row.participants,
                    "outflows": str(row.outflows),
                    "yearly_cost": str(row.yearly_cost),
                    "gross_projected": str(row.gross_projected),
                    "net_projected": text(row.net_projected),
                    "realised_to_date": str(row.realised_to_date),
                }
                for row in self.by_benefit_type
            },
        }


def _measurements(programme, assumptions, on_date):
    return _measurements_of([programme.pk], assumptions, on_date)


def _measurements_of(programme_ids, assumptions, on_date, entered=None):
    measured = OutcomeMeasurement.objects.filter(
        cohort__programme_id__in=programme_ids,
        follow_up=assumptions.sustainable_follow_up,
        measured_on__isnull=False,
        measured_on__lte=on_date,
    )
    if entered is not None:
        first, last = entered
        measured = measured.filter(participant__enrolled_on__lte=last)
        if first is not None:
            measured = measured.filter(participant__enrolled_on__gte=first)
    return measured


def _weighted(sustainable, partial, share):
    return Decimal(sustainable) + share * Decimal(partial)


def compute_savings(programme, assumptions, on_date=None, entered=None):
    """Every savings figure of one programme under one version of the assumptions (see
    the module docstring for the definitions). Three queries however many participants:
    the counts per benefit type (programme and comparison group together), the outflow
    rows grouped by measurement date for the realised savings, and the programme cost;
    and the register's two or three (`register_effects`)."""
    return compute_savings_of([programme], assumptions, on_date, entered)[0]


def register_effects(programmes, on_date, entered=None):
    """The benefit register's net effects for the programmes' municipality as of
    `on_date` (of the period's entrants with `entered`): where the measured counterfactual
    comes from. Two queries, three when a follow-up can be matched, however many
    programmes; a caller that shows several calculations of the same day passes the
    result to each (`effects=`)."""
    programmes = list(programmes)
    if not programmes:
        return None
    entered_from = entered[0] if entered is not None else None
    return register.net_effects(
        programmes[0].municipality_id, on_date, entered_from=entered_from,
        dimensions=("total", "programme"),
    )  # fmt: skip


def _register_rows(effects, follow_up):
    """{programme id: the register's "programme" row at the follow-up}, measurable or not
    (an unmeasurable one says why the assumed counterfactual is used)."""
    if effects is None:
        return {}
    return {int(row.key): row for row in effects.for_follow_up(follow_up, "programme")}


def compute_savings_of(programmes, assumptions, on_date=None, entered=None, effects=None):
    """`compute_savings` for several programmes at once, in the order given: the same
    three queries, each grouped by programme, however many programmes and participants.
    `entered`: (first day or None, last day), inclusive: count only the follow-ups of
    participants who entered (`enrolled_on`) then, a period's cohort; None: everyone.
    `effects`: `register_effects` of the same day and entrants, when the caller has it."""
    programmes = list(programmes)
    if not programmes:
        return []
    on_date = on_date or timezone.localdate()
    if effects is None:
        effects = register_effects(programmes, on_date, entered)
    measured_rows = _register_rows(effects, assumptions.sustainable_follow_up)
    ids = [programme.pk for programme in programmes]
    measured = _measurements_of(ids, assumptions, on_date, entered)

    counts = (
        measured.values(
            "cohort__programme_id", "participant__benefit_type", "participant__in_comparison_group"
        )
        .annotate(
            participants=Count("participant", distinct=True),
            sustainable=Count("participant", distinct=True, filter=SUSTAINABLE),
            partial=Count("participant", distinct=True, filter=PARTIAL),
        )
        .order_by()
    )
    per_programme = {pk: ({}, {"participants": 0, "sustainable": 0, "partial": 0}) for pk in ids}
    for row in counts:
        own, comparison = per_programme[row["cohort__programme_id"]]
        if row["participant__in_comparison_group"]:
            for key in comparison:
                comparison[key] += row[key]
        else:
            own[row["participant__benefit_type"]] = row

    # Realised to date needs each outflow's measurement date: one query, grouped by date,
    # so its size follows the number of measurement days and not of participants.
    outflow_rows = (
        measured.filter(participant__in_comparison_group=False)
        .filter(SUSTAINABLE | PARTIAL)
        .values("cohort__programme_id", "participant__benefit_type", "benefit_status",
                "measured_on")
        .annotate(people=Count("participant", distinct=True))
        .order_by()
    )  # fmt: skip
    outflows_of = {pk: [] for pk in ids}
    for row in outflow_rows:
        outflows_of[row["cohort__programme_id"]].append(row)
    costs = _programme_costs(ids, on_date)
    return [
        _savings_result(programme, assumptions, on_date, *per_programme[programme.pk],
                        outflows_of[programme.pk], costs.get(programme.pk, ZERO), entered,
                        measured_rows.get(programme.pk))
        for programme in programmes
    ]  # fmt: skip


def _programme_costs(programme_ids, on_date):
    """{programme id: cost} as of `on_date` (the definition in the module docstring), for
    several programmes in one grouped query."""
    rows = (
        LedgerEntry.objects.filter(booked_by_end_of(on_date), fund__programme_id__in=programme_ids)
        .counting_as(EntryKind.EXPENDITURE)
        .values("fund__programme_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["fund__programme_id"]: row["total"] or ZERO for row in rows}


def _rate(fraction):
    return Decimal(repr(fraction)).quantize(RATE, rounding=ROUND_HALF_UP)


def _net_projected_at(own, rate, assumptions):
    """Σ max(0, outflows − rate × participants) × yearly cost × duration: the net projected
    savings at another rate, for the ends of the range (as the rows compute it)."""
    share = assumptions.partial_benefit_share
    total = ZERO
    for benefit_type, counted in own.items():
        outflows = cents(_weighted(counted["sustainable"], counted["partial"], share))
        net_outflows = max(ZERO, outflows - cents(rate * counted["participants"]))
        cost = yearly_cost(assumptions, benefit_type)
        total += cents(net_outflows * cost * assumptions.remaining_duration_years)
    return cents(total)


def _savings_result(
    programme, assumptions, on_date, own, comparison, outflow_rows, cost_total, entered=None,
    measured=None,
):  # fmt: skip
    share = assumptions.partial_benefit_share
    duration = assumptions.remaining_duration_years
    net_unavailable = None
    source = assumptions.counterfactual
    rate_low = rate_high = register_matched = register_rate = reason = None
    if measured is not None and measured.measurable:
        register_matched = measured.matched
        register_rate = _rate(measured.comparison_rate)
    if not assumptions.use_register_rate:
        reason = REASON_CHOSEN
    elif register_rate is None and measured is not None:
        reason = REASON_NO_MATCHES
    if register_rate is not None and assumptions.use_register_rate:
        # The register measured what the programme's participants would have done
        # without it: that goes before any assumption.
        source = SOURCE_REGISTER
        rate = register_rate
        rate_low, rate_high = _rate(measured.comparison_low), _rate(measured.comparison_high)
        comparison_participants = None
    elif assumptions.counterfactual == Counterfactual.COMPARISON_GROUP:
        measured_comparison = comparison["participants"]
        if measured_comparison:
            rate = (
                _weighted(comparison["sustainable"], comparison["partial"], share)
                / measured_comparison
            )
        else:
            # Without a measured comparison group nothing says who would have left anyway:
            # no net figure, rather than net silently equal to gross.
            rate, net_unavailable = None, NO_COMPARISON_GROUP
        comparison_participants = measured_comparison
    else:
        rate = assumptions.reference_outflow_rate
        comparison_participants = None
    if rate is not None:
        rate = rate.quantize(RATE, rounding=ROUND_HALF_UP)

    realised = {}
    for row in outflow_rows:
        benefit_type = row["participant__benefit_type"]
        weight = share if row["benefit_status"] == BenefitStatus.PARTIAL else Decimal(1)
        years = min(duration, Decimal((on_date - row["measured_on"]).days) / DAYS_PER_YEAR)
        realised[benefit_type] = realised.get(benefit_type, Decimal(0)) + (
            yearly_cost(assumptions, benefit_type) * weight * row["people"] * years
        )

    rows = []
    for benefit_type, label in BenefitType.choices:
        if benefit_type not in own:
            continue
        counted = own[benefit_type]
        cost = yearly_cost(assumptions, benefit_type)
        outflows = cents(_weighted(counted["sustainable"], counted["partial"], share))
        if rate is None:
            expected = net_outflows = None
        else:
            expected = cents(rate * counted["participants"])
            net_outflows = max(ZERO, outflows - expected)
        rows.append(
            BenefitTypeFigures(
                benefit_type=benefit_type,
                label=str(label),
                participants=counted["participants"],
                sustainable_outflows=counted["sustainable"],
                partial=counted["partial"],
                outflows=outflows,
                yearly_cost=cents(cost),
                gross_projected=cents(outflows * cost * duration),
                expected_anyway=expected,
                net_outflows=net_outflows,
                net_projected=None
                if net_outflows is None
                else cents(net_outflows * cost * duration),
                realised_to_date=cents(realised.get(benefit_type, 0)),
            )
        )

    def total(name):
        return sum((getattr(row, name) for row in rows), ZERO)

    gross = cents(total("gross_projected"))
    net = None if net_unavailable else cents(total("net_projected"))
    programme_cost = cents(cost_total)
    known = {benefit_type: own[benefit_type] for benefit_type, _label in BenefitType.choices
             if benefit_type in own}  # fmt: skip
    ranged = rate_low is not None
    net_low = _net_projected_at(known, rate_high, assumptions) if ranged else None
    net_high = _net_projected_at(known, rate_low, assumptions) if ranged else None
    return SavingsResult(
        programme=programme,
        on_date=on_date,
        assumptions=assumptions_used(assumptions),
        counterfactual_rate=rate,
        comparison_participants=comparison_participants,
        by_benefit_type=rows,
        participants=sum(row.participants for row in rows),
        sustainable_outflows=sum(row.sustainable_outflows for row in rows),
        partial=sum(row.partial for row in rows),
        outflows=cents(total("outflows")),
        realised_to_date=cents(total("realised_to_date")),
        gross_projected=gross,
        net_projected=net,
        programme_cost=programme_cost,
        gross_savings=gross - programme_cost,
        net_savings=None if net is None else net - programme_cost,
        gross_return_per_euro=cents(gross / programme_cost) if programme_cost else None,
        return_per_euro=cents(net / programme_cost)
        if programme_cost and net is not None
        else None,
        net_unavailable=net_unavailable,
        entered=None if entered is None else tuple(entered),
        counterfactual_source=str(source),
        counterfactual_low=rate_low,
        counterfactual_high=rate_high,
        register_matched=register_matched,
        counterfactual_reason=reason,
        register_rate=register_rate,
        net_projected_low=net_low,
        net_projected_high=net_high,
    )


# Revolving fund


@dataclass(frozen=True)
class ReplenishmentProposal:
    fund: object
    savings: SavingsResult
    realised: Decimal
    already_replenished: Decimal
    remaining: Decimal
    ceiling: Decimal | None
    held: Decimal
    room: Decimal | None
    amount: Decimal
    reasoning: list = field(default_factory=list)

    def as_calculation(self):
        """What the ledger entry stores: the savings calculation and how the amount
        followed from it."""
        calculation = self.savings.as_calculation()
        calculation["proposal"] = {
            "realised_to_date": str(self.realised),
            "already_replenished": str(self.already_replenished),
            "remaining": str(self.remaining),
            "ceiling": None if self.ceiling is None else str(self.ceiling),
            "held": str(self.held),
            "room_under_ceiling": None if self.room is None else str(self.room),
            "amount": str(self.amount),
        }
        return calculation


def replenishment_proposal(fund, savings):
    """What the revolving fund may get back from the realised savings: the lower of the
    realised savings not yet replenished and the room under the fund's ceiling.

    The room is measured the way `services.book_replenishment` checks it (ceiling minus
    what the fund holds: allocated − spent). Replenishments already booked (and their
    corrections) on ANY fund of the programme are taken off the realised savings: each
    euro of a programme's savings is booked once, on whichever of its funds, and not a
    second time on the next visit."""
    if savings.entered is not None:
        # A cohort's savings are part of the programme's: booking them would under- or
        # (next to another cohort) double-count what the programme saved.
        raise ValueError("A replenishment follows the whole programme's savings, not a cohort's.")
    balance = selectors.balance(fund)
    already = (
        LedgerEntry.objects.filter(fund__programme_id=fund.programme_id)
        .counting_as(EntryKind.REPLENISHMENT)
        .aggregate(total=Coalesce(Sum("amount"), selectors.ZERO))["total"]
    )
    already = cents(already)
    realised = savings.realised_to_date
    remaining = max(ZERO, realised - already)
    held = cents(balance.allocated - balance.spent)
    room = None if fund.ceiling is None else max(ZERO, cents(fund.ceiling) - held)
    amount = remaining if room is None else min(remaining, room)

    version = savings.assumptions["version"]
    reasoning = [
        (
            _("Realised savings to date of %(programme)s (assumptions version %(version)s)")
            % {"programme": savings.programme.name, "version": version or "–"},
            realised,
        ),
        (_("Already replenished from these savings, on all funds of the programme"), already),
        (_("Realised savings not yet replenished"), remaining),
    ]
    if room is None:
        reasoning.append((_("This fund has no ceiling"), None))
    else:
        reasoning += [
            (_("Ceiling of the fund"), cents(fund.ceiling)),
            (_("Held by the fund now (deposits, replenishments and corrections − spent)"), held),
            (_("Room under the ceiling"), room),
        ]
    reasoning.append((_("Proposed replenishment: the lower of the two"), amount))
    return ReplenishmentProposal(
        fund=fund,
        savings=savings,
        realised=realised,
        already_replenished=already,
        remaining=remaining,
        ceiling=None if fund.ceiling is None else cents(fund.ceiling),
        held=held,
        room=room,
        amount=amount,
        reasoning=reasoning,
    )


@transaction.atomic
def book_proposed_replenishment(user, fund, assumptions, on_date=None):
    """Books the proposal as it stands at this moment. The programme's row is locked
    before the proposal is worked out, then the fund's: two managers pressing the button
    at once, on one fund or on two funds of the same programme, are served one after the
    other, and the second sees the first one's replenishment."""
    if user.role != Role.MANAGER or fund.municipality_id != user.municipality_id:
        raise PermissionDenied
    if assumptions is None or assumptions.pk is None:
        raise ValidationError(
            _("Save a version of the savings assumptions first: a replenishment names it."),
            code="no_assumptions",
        )
    programme_id = Fund.objects.values_list("programme_id", flat=True).get(pk=fund.pk)
    if programme_id is None:
        raise ValidationError(
            _("This fund is not linked to a programme, so it has no savings."), code="no_programme"
        )
    # Always the programme first, then the fund: one order for every booking, no deadlock.
    Programme.objects.select_for_update().get(pk=programme_id)
    fund = Fund.objects.select_for_update(of=("self",)).select_related("programme").get(pk=fund.pk)
    proposal = replenishment_proposal(fund, compute_savings(fund.programme, assumptions, on_date))
    if proposal.amount <= 0:
        raise ValidationError(_("There is nothing to replenish at the moment."), code="nothing")
    entry = services.book_replenishment(user, fund, proposal.amount, proposal.as_calculation())
    return entry, proposal


# Social impact bond


@dataclass(frozen=True)
class BondOwed:
    sustainable_outflows: int
    follow_up: int
    assumptions_version: int | None
    payment: Decimal
    uncapped: Decimal
    cap: Decimal
    owed: Decimal
    capped: bool


def bond_owed(bond, programme, assumptions, on_date=None):
    """What the municipality owes the investor for the measured outcomes: sustainable
    outflows (whole people: the bond pays per outflow, so partial benefit earns nothing)
    × the outcome payment, never more than principal × (1 + agreed return)."""
    on_date = on_date or timezone.localdate()
    count = (
        _measurements(programme, assumptions, on_date)
        .filter(SUSTAINABLE, participant__in_comparison_group=False)
        .aggregate(n=Count("participant", distinct=True))["n"]
    )
    uncapped = cents(bond.outcome_payment * count)
    cap = cents(bond.principal * (1 + bond.agreed_return / 100))
    return BondOwed(
        sustainable_outflows=count,
        follow_up=assumptions.sustainable_follow_up,
        assumptions_version=assumptions.version,
        payment=cents(bond.outcome_payment),
        uncapped=uncapped,
        cap=cap,
        owed=min(uncapped, cap),
        capped=uncapped > cap,
    )


# Versions


@transaction.atomic
def new_assumptions_version(user, municipality, **values):
    """A manager changes the savings model: the change becomes version n + 1 and every
    earlier version stays as it was, so each report and replenishment keeps naming what
    it assumed. Values not given are carried over from the current version."""
    if user.role != Role.MANAGER or user.municipality_id != municipality.pk:
        raise PermissionDenied
    unknown = set(values) - set(ASSUMPTION_FIELDS) - {"note"}
    if unknown:
        raise TypeError(f"Unknown assumptions: {', '.join(sorted(unknown))}")
    # Serialises two managers saving at the same moment; the unique constraint on
    # (municipality, version) would otherwise turn the second one into an error page.
    Municipality.objects.select_for_update().get(pk=municipality.pk)
    current = SavingsAssumptions.objects.current(municipality)
    base = current or default_assumptions(municipality)
    fields = {name: getattr(base, name) for name in ASSUMPTION_FIELDS}
    fields.update(values)
    fields.setdefault("note", "")
    assumptions = SavingsAssumptions(
        municipality=municipality,
        version=(current.version if current else 0) + 1,
        created_by=user,
        **fields,
    )
    assumptions.full_clean()
    assumptions.save()
    audit.record(user, AuditAction.CREATE, obj=assumptions,
                 detail=f"savings assumptions version {assumptions.version}")  # fmt: skip
    return assumptions
