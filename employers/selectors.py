"""Reads of the employers app, each scoped through a model's for_user."""

import functools
import json
import re
from dataclasses import dataclass, field

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Certificate, Participant, Status, TalentProfile, TargetGroup
from participants.selectors import (
    HELD_CERTIFICATE_ANNOTATIONS,
    held_certificate_codes,
    held_certificates,
    with_held_certificates,
)

from .models import Employer, Match, MatchStage, OpportunityKind, OpportunityStatus


def employer_of(user):
    """The employer an employer user works for, or None (one query)."""
    if not user.is_authenticated:
        return None
    return Employer.objects.filter(memberships__user_id=user.pk).first()


MATCHABLE_STATUSES = (Status.SELECTED, Status.IN_PROGRAMME, Status.MATCHED)
WEIGHTS = {"conditions": 40, "skills": 30, "target_group": 15, "availability": 15}


class Reason(tuple):
    """One reason of a fit score: (sign, text), plus the talent-profile field that would
    change it (`field`: the anchor of that part of the profile form), or None when the
    profile cannot change it (the target group follows from age and benefit)."""

    def __new__(cls, sign, text, field=None):
        reason = super().__new__(cls, (sign, text))
        reason.field = field
        return reason

    @property
    def sign(self):
        return self[0]

    @property
    def text(self):
        return self[1]


@dataclass
class Suggestion:
    participant: Participant
    score: int = 0
    reasons: list = field(default_factory=list)


# The board scores thousands of candidates against one opportunity's wanted skills: split
# them once. A pure function of the text, kept per process (bounded); the frozenset cannot be
# changed by a caller, so no request sees another's words.
@functools.lru_cache(maxsize=256)
def _words(text):
    return frozenset(
        word.strip() for word in re.split(r"[,;/]+", (text or "").lower()) if word.strip()
    )


class Fit:
    """THE fit score's parts for one opportunity: its terms worked out once, and the
    points a candidate gets on each. The board ranks thousands of candidates with
    `score` alone; `score_candidate` adds the reasons for the few it shows, from the
    same parts."""

    def __init__(self, opportunity):
        self.conditions = opportunity.conditions or ()
        self.wanted = _words(opportunity.skills_wanted)
        self.target_groups = opportunity.target_groups
        self.hours = opportunity.hours_per_week

    def met(self, held):
        return [condition for condition in self.conditions if condition in held]

    def condition_points(self, met):
        if not self.conditions:
            return WEIGHTS["conditions"]
        return round(WEIGHTS["conditions"] * len(met) / len(self.conditions))

    def overlap(self, skills, experience):
        """The wanted skills found in the talent profile's skills and experience ("" for
        a participant without a profile)."""
        if not self.wanted:
            return []
        have = f"{skills} {experience}".lower()
        return sorted(word for word in self.wanted if word in have)

    def skill_points(self, overlap):
        if not self.wanted:
            return WEIGHTS["skills"] // 2
        return round(WEIGHTS["skills"] * len(overlap) / len(self.wanted))

    def in_target_group(self, target_group):
        return not self.target_groups or target_group in self.target_groups

    def hour_points(self, hours):
        """`hours`: what the talent profile says the participant is available, None when
        it says nothing (or there is no profile)."""
        if not self.hours:
            return WEIGHTS["availability"]
        if hours is None:
            return 0
        if hours >= self.hours:
            return WEIGHTS["availability"]
        return round(WEIGHTS["availability"] * hours / self.hours)

    def score(self, held, target_group, skills, experience, hours):
        """0–100: `held` the certificates' codes (only read when conditions are asked)."""
        return (
            self.condition_points(self.met(held) if self.conditions else ())
            + self.skill_points(self.overlap(skills, experience))
            + (WEIGHTS["target_group"] if self.in_target_group(target_group) else 0)
            + self.hour_points(hours)
        )


def score_candidate(opportunity, participant, explain=True, held=None):
    """Fit of one participant for one opportunity, 0–100 (`Fit`), with a reason for every
    part: conditions met (the certificates `participants.selectors.held_certificates`
    says the participant holds: talent profile and completed trainings), target group,
    skills from the talent profile, hours available. `explain=False` leaves the reasons
    out. `held`: that list, when the caller has it already."""
    fit = Fit(opportunity)
    profile = getattr(participant, "talent_profile", None)
    if held is not None:
        held = {item.code: item for item in held}
    elif explain:
        held = {item.code: item for item in held_certificates(participant)}
    else:
        # Without reasons only whether a condition is held counts: the codes will do.
        held = held_certificate_codes(participant)
    skills, experience = (profile.skills, profile.experience) if profile else ("", "")
    hours = profile.hours_available if profile else None
    suggestion = Suggestion(
        participant,
        score=fit.score(held, participant.target_group, skills, experience, hours),
    )
    if explain:
        suggestion.reasons = _reasons(
            fit, held, participant.target_group, skills, experience, hours
        )
    return suggestion


def _reasons(fit, held, target_group, skills, experience, hours):
    """The words for each part of `fit`'s score; `held` maps codes to HeldCertificates."""
    reasons = []
    if fit.conditions:
        labels = dict(Certificate.choices)
        for condition in fit.conditions:
            certificate = held.get(condition)
            if certificate is None:
                sign, text = "-", _("lacks: %(c)s") % {"c": labels.get(condition)}
            elif certificate.from_training:
                # Named as the training gave it: the consultant sees what changed.
                sign, text = (
                    "+",
                    _("meets: %(c)s (completed training)") % {"c": certificate.label},
                )
            else:
                sign, text = "+", _("meets: %(c)s") % {"c": certificate.label}
            reasons.append(Reason(sign, text, "certificates"))
        # Met conditions first, as before: the reader sees what fits, then what lacks.
        reasons.sort(key=lambda reason: reason[0] != "+")
    else:
        reasons.append(Reason("+", _("no conditions asked")))

    if fit.wanted:
        overlap = fit.overlap(skills, experience)
        if overlap:
            reasons.append(Reason("+", _("skills: %(s)s") % {"s": ", ".join(overlap)}, "skills"))
        else:
            reasons.append(Reason("-", _("none of the wanted skills in the profile"), "skills"))

    if not fit.in_target_group(target_group):
        reasons.append(Reason("-", _("outside the target group asked")))
    elif fit.target_groups:
        label = TargetGroup(target_group).label
        reasons.append(Reason("+", _("target group: %(g)s") % {"g": label}))

    if fit.hours and hours is not None:
        if hours >= fit.hours:
            reasons.append(Reason("+", _("available %(h)s hours a week") % {"h": hours}, "hours"))
        else:
            reasons.append(
                Reason(
                    "-",
                    _("available %(h)s of %(n)s hours") % {"h": hours, "n": fit.hours},
                    "hours",
                )
            )
    elif fit.hours:
        reasons.append(Reason("-", _("availability unknown"), "hours"))
    return reasons


# What the board's suggestion list shows of a participant (employers/board.html: name,
# status, consent, own caseload) and what the scoring reads (target group; from the talent
# profile: skills, experience, hours, certificates).
_SUGGESTION_FIELDS = (
    "first_name",
    "last_name",
    "status",
    "consent_share_profile",
    "consultant_id",
    "target_group",
)
_PROFILE_FIELDS = ("skills", "experience", "hours_available", "certificates", "certificate_dates")


def suggest_candidates(user, opportunity, limit=20):
    """Participants the user may see who could fill the opportunity, best fit first.
    Scoring is per pair and runs over one query's rows, not one query per candidate.

    The municipality's thousands of candidates are ranked as plain rows (values), not model
    instances: building a Participant and a TalentProfile per row cost more than the query
    and the scoring together. Only the `limit` shown become model instances, from the same
    rows, so the page issues no extra query and reads nothing it did not load."""
    already = Match.objects.filter(opportunity=opportunity).values("participant_id")
    candidates = (
        Participant.objects.for_matching(user)
        .filter(status__in=MATCHABLE_STATUSES)
        .exclude(pk__in=already)
    )
    # The certificates of completed trainings come in the same query (no query per row).
    candidates = with_held_certificates(candidates)
    rows = candidates.values_list(
        "pk",
        *_SUGGESTION_FIELDS,
        "talent_profile__pk",
        "talent_profile__skills",
        "talent_profile__experience",
        "talent_profile__hours_available",
        # As their JSON text: most are "{}" or a short list, and decoding them through the
        # field (json.loads per value) cost a quarter of the board.
        Cast("talent_profile__certificates", TextField()),
        Cast("talent_profile__certificate_dates", TextField()),
        *HELD_CERTIFICATE_ANNOTATIONS,
    )
    n_own, n_profile = len(_SUGGESTION_FIELDS) + 1, len(_PROFILE_FIELDS) + 1
    fit = Fit(opportunity)
    # The row's own columns by position: a tuple read beats an object per candidate.
    last_name, target_group = (
        1 + _SUGGESTION_FIELDS.index(f) for f in ("last_name", "target_group")
    )
    profile, skills, experience, hours = range(n_own, n_own + 4)
    scored = []
    for row in rows:
        has_profile = row[profile] is not None
        score = fit.score(
            # Whether a condition is held is only asked when the opportunity sets any.
            held_certificate_codes(_Row(row, n_own, n_profile)) if fit.conditions else (),
            row[target_group],
            row[skills] if has_profile else "",
            row[experience] if has_profile else "",
            row[hours],
        )
        scored.append((-score, row[last_name], row[0], row))
    scored.sort(key=lambda item: item[:3])
    return [
        score_candidate(opportunity, _Row(row, n_own, n_profile).instance(candidates.db))
        for _score, _last_name, _pk, row in scored[:limit]
    ]


class _Row:
    """One candidate row, with the attributes `held_certificate_codes` reads, and the
    Participant it stands for (`instance`)."""

    __slots__ = ("row", "n_own", "profile_values", "pk", "talent_profile",
                 *HELD_CERTIFICATE_ANNOTATIONS)  # fmt: skip

    def __init__(self, row, n_own, n_profile):
        self.row, self.n_own, self.pk = row, n_own, row[0]
        # The profile's JSON columns stay text until a row is shown (`instance`); the
        # ranking reads the certificates' codes only.
        self.profile_values = profile = row[n_own : n_own + n_profile]
        if profile[0] is None:
            self.talent_profile = None
        else:
            self.talent_profile = _ProfileRow(*profile[1:-2], _json(profile[-2]))
        for name, value in zip(
            HELD_CERTIFICATE_ANNOTATIONS, row[n_own + n_profile :], strict=True
        ):
            setattr(self, name, value)

    def instance(self, db):
        """The Participant (with its talent profile and certificate dates) of this row."""
        participant = _from_values(
            Participant, db, ["id", *_SUGGESTION_FIELDS], self.row[: self.n_own]
        )
        values = self.profile_values
        if values[0] is None:
            # Known to have none: reading it must not query.
            Participant.talent_profile.related.set_cached_value(participant, None)
        else:
            decoded = (*values[:-2], *map(_json, values[-2:]))  # the two JSON columns
            participant.talent_profile = _from_values(
                TalentProfile, db, ["id", *_PROFILE_FIELDS], decoded
            )
        for name in HELD_CERTIFICATE_ANNOTATIONS:
            setattr(participant, name, getattr(self, name))
        return participant


_EMPTY_JSON = {"[]": list, "{}": dict}
_DECODER = json.JSONDecoder()


def _json(text):
    """A JSON column read as text: what the JSONField would give (a fresh object)."""
    if text is None:
        return None
    empty = _EMPTY_JSON.get(text)
    if empty is not None:
        return empty()
    # PostgreSQL writes jsonb without surrounding whitespace: raw_decode, no stripping.
    return _DECODER.raw_decode(text)[0]


def _from_values(model, db, names, values):
    """A model instance of some of its fields, as the ORM builds one (`Model.from_db` wants
    the values in the model's field order)."""
    by_name = dict(zip(names, values, strict=True))
    ordered = [f.attname for f in model._meta.concrete_fields if f.attname in by_name]
    return model.from_db(db, ordered, [by_name[name] for name in ordered])


@dataclass(frozen=True)
class _ProfileRow:
    skills: str
    experience: str
    hours_available: int | None
    certificates: list


def board(user, opportunity):
    """Matches of one opportunity grouped by stage, in the order of the flow."""
    matches = (
        Match.objects.for_user(user)
        .filter(opportunity=opportunity)
        .select_related("participant", "placement")
        .order_by("-score", "pk")
    )
    columns = {stage: [] for stage in MatchStage}
    for match in matches:
        columns[MatchStage(match.stage)].append(match)
    return columns


# Stages at which the employer has at least seen the candidate, in the order of the flow.
SEEN_BY_EMPLOYER = (MatchStage.INTRODUCED, MatchStage.INTERVIEW, MatchStage.HIRED)


def confirmed_job_intentions(participant, on_date=None):
    """This participant's matches on a concrete job intention, which the funding rules ask
    for before a client-level budget can be committed (requested and again approved):

    - a job intention the WSP confirmed that is still open on `on_date` (today by
      default): confirmed, and its valid-until date not passed — the daily task expires
      it only the night after — with this participant's match at a stage where the
      employer has at least seen the candidate (introduced, interview, hired); or
    - a filled job intention, for the participant(s) hired on it only."""
    on_date = on_date or timezone.localdate()
    still_open = Q(opportunity__status=OpportunityStatus.CONFIRMED) & (
        Q(opportunity__valid_until__isnull=True) | Q(opportunity__valid_until__gte=on_date)
    )
    return Match.objects.filter(
        (still_open & Q(stage__in=SEEN_BY_EMPLOYER))
        | Q(opportunity__status=OpportunityStatus.FILLED, stage=MatchStage.HIRED),
        participant=participant,
        opportunity__kind=OpportunityKind.JOB_INTENTION,
    )
