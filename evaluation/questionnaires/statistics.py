"""The results of a questionnaire per question, and a baseline wave compared with the
final one: computed by the database, a fixed number of queries however many responses."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    Max,
    Min,
    Q,
)

from .models import (
    Answer,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    Wave,
)
from .selectors import LIKERT_LABELS, LIKERT_VALUES


@dataclass
class QuestionResult:
    question: Question
    count: int = 0
    mean: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    # (value or option, label, count, percentage of this question's answers)
    distribution: list = field(default_factory=list)

    @property
    def kind(self):
        return self.question.kind


@dataclass
class Results:
    questionnaire: Questionnaire
    responses: int
    questions: list


def _percent(part, whole):
    if not whole:
        return Decimal(0)
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _rounded(value):
    # Half up, the way people round a mean by hand (8.625 → 8.63).
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def results(questionnaire):
    """Per question: the number of answers; for Likert the distribution over 1..5 and the
    mean; for single choice the count per option; for numbers mean, minimum and maximum;
    for open text the count only. Four queries, computed by the database."""
    questions = list(questionnaire.questions.all())
    answers = Answer.objects.filter(response__questionnaire=questionnaire).order_by()
    per_value = {f"n{value}": Count("pk", filter=Q(number=value)) for value in LIKERT_VALUES}
    stats = {
        row["question_id"]: row
        for row in answers.values("question_id").annotate(
            count=Count("pk"),
            mean=Avg("number"),
            minimum=Min("number"),
            maximum=Max("number"),
            **per_value,
        )
    }
    options = {}
    for row in (
        answers.filter(question__kind=QuestionKind.CHOICE)
        .values("question_id", "choice")
        .annotate(n=Count("pk"))
    ):
        options.setdefault(row["question_id"], {})[row["choice"]] = row["n"]
    responses = Response.objects.filter(questionnaire=questionnaire).count()
    return Results(
        questionnaire,
        responses,
        [_question_result(q, stats.get(q.pk), options.get(q.pk, {})) for q in questions],
    )


def _question_result(question, row, options):
    result = QuestionResult(question, count=row["count"] if row else 0)
    if not row:
        row = {}
    if question.kind == QuestionKind.LIKERT:
        result.mean = _rounded(row.get("mean"))
        result.distribution = [
            (value, LIKERT_LABELS[value], row.get(f"n{value}", 0),
             _percent(row.get(f"n{value}", 0), result.count))
            for value in LIKERT_VALUES
        ]  # fmt: skip
    elif question.kind == QuestionKind.NUMBER:
        result.mean = _rounded(row.get("mean"))
        result.minimum = row.get("minimum")
        result.maximum = row.get("maximum")
    elif question.kind == QuestionKind.CHOICE:
        # The options as offered, then anything answered that is no longer one of them.
        names = list(question.choices) + [o for o in options if o not in question.choices]
        result.distribution = [
            (name, name, options.get(name, 0), _percent(options.get(name, 0), result.count))
            for name in names
        ]
    return result


def open_answers(questionnaire):
    """The open-text answers, for reading on their own page only: they may say more than
    anyone meant to share, so they are never exported."""
    return (
        Answer.objects.filter(
            response__questionnaire=questionnaire, question__kind=QuestionKind.TEXT
        )
        .exclude(text="")
        .select_related("question")
        .order_by("question__position", "question_id", "response__submitted_at", "pk")
    )


@dataclass
class ComparedQuestion:
    text: str
    kind: str
    baseline: QuestionResult
    final: QuestionResult

    @property
    def change(self):
        if self.baseline.mean is None or self.final.mean is None:
            return None
        return self.final.mean - self.baseline.mean

    @property
    def options(self):
        """(label, baseline count, baseline %, final count, final %) per value/option."""
        final = {value: (count, pct) for value, _label, count, pct in self.final.distribution}
        rows = []
        for value, label, count, pct in self.baseline.distribution:
            rows.append((label, count, pct, *final.pop(value, (0, Decimal(0)))))
        for value, (count, pct) in final.items():
            rows.append((value, 0, Decimal(0), count, pct))
        return rows


@dataclass
class Comparison:
    baseline: Results
    final: Results
    questions: list
    only_baseline: list
    only_final: list


def _key(question):
    return (" ".join(question.text.split()).casefold(), question.kind)


def compare(questionnaire, other):
    """Pairs the questions of a baseline and a final questionnaire of the same programme
    and audience that have the same text and kind; open texts are not compared."""
    if (
        questionnaire.programme_id != other.programme_id
        or questionnaire.audience != other.audience
        or {questionnaire.wave, other.wave} != {Wave.BASELINE, Wave.FINAL}
    ):
        raise ValueError("compare a baseline with a final wave of one programme and audience")
    baseline, final = (
        (questionnaire, other) if questionnaire.wave == Wave.BASELINE else (other, questionnaire)
    )
    before, after = results(baseline), results(final)
    finals = {_key(r.question): r for r in after.questions}
    paired, only_baseline = [], []
    for result in before.questions:
        match = finals.pop(_key(result.question), None)
        if match is None:
            only_baseline.append(result.question)
        elif result.kind != QuestionKind.TEXT:
            paired.append(ComparedQuestion(result.question.text, result.kind, result, match))
    only_final = [r.question for r in finals.values()]
    return Comparison(before, after, paired, only_baseline, only_final)
