"""Charts drawn on the server as SVG, so that the page and the PDF show the same picture
without JavaScript, a chart library or a font from elsewhere. Each function returns the
markup of one chart; the template puts a table with the same figures beside it for
screen readers (and prints it in the PDF).

Only presentation attributes are used, never `style`: the Content-Security-Policy blocks
inline styles on the page, and WeasyPrint reads the attributes just as well."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from vakwerk import formatting
from vakwerk.theme import DEFAULT_COLOUR, safe_colour

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
TEXT = "#1a1a1a"
GRID = "#c8c8c8"
REFERENCE_STYLES = (
    # (line colour, dash pattern): the goal red and dashed, the reference dark and dotted,
    # so that they stay apart in black and white too.
    ("#b3261e", "6 3"),
    ("#333333", "2 3"),
    ("#6a4c93", "8 2 2 2"),
)


def percent_text(value):
    return "–" if value is None else f"{number_text(value)}%"


def euro_text(value):
    return "–" if value is None else formatting.money(value)


def number_text(value):
    """1.234 or 2,5 (1,234 or 2.5 in English): whole numbers grouped, others with one
    decimal, in the active language."""
    if value is None:
        return "–"
    value = Decimal(value)
    return formatting.number(value, 0 if value == value.to_integral_value() else 1)


def _n(number):
    """A coordinate as text: format_html escapes its arguments before formatting them, so
    numbers are formatted first."""
    return f"{number:.1f}"


def _short(label, length=30):
    label = str(label)
    return label if len(label) <= length else label[: length - 1] + "…"


def _svg(title, width, height, body, description=""):
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="vw-chart img-fluid" width="{w}" '
        'height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" '
        'font-family="{font}" font-size="12"><title>{title}</title>{desc}{body}</svg>',
        w=width,
        h=height,
        title=title,
        font=FONT,
        desc=format_html("<desc>{}</desc>", description) if description else "",
        body=body,
    )


def bar_chart(title, rows, *, references=(), max_value=None, formatter=percent_text,
              colour=DEFAULT_COLOUR, description="", width=640):  # fmt: skip
    """Horizontal bars, one per (label, value) row, with vertical reference lines
    (label, value) such as a goal and the Zwolle result. A row whose value is the string
    "heading" is drawn as a section heading. Values may be None (no figure: no bar)."""
    colour = safe_colour(colour)
    label_width, value_width, row_height, top = 200, 110, 24, 8
    plot_width = width - label_width - value_width
    values = [value for _label, value in rows if value not in (None, "heading")]
    values += [value for _label, value in references if value is not None]
    scale_max = max_value if max_value is not None else max(values, default=0)
    scale_max = Decimal(scale_max) if scale_max else Decimal(1)

    def x_of(value):
        value = max(Decimal(0), min(Decimal(value), scale_max))
        return label_width + float(value / scale_max) * plot_width

    parts = []
    y = top
    for label, value in rows:
        if value == "heading":
            parts.append(
                format_html(
                    '<text x="4" y="{}" font-weight="bold" fill="{}">{}</text>',
                    y + 16,
                    TEXT,
                    _short(label, 60),
                )
            )
            y += row_height
            continue
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                label_width - 8,
                y + 16,
                TEXT,
                _short(label),
            )
        )
        if value is not None:
            bar = max(x_of(value) - label_width, 0.0)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    label_width,
                    y + 4,
                    _n(bar),
                    row_height - 8,
                    colour,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}">{}</text>',
                _n((x_of(value) if value is not None else label_width) + 6),
                y + 16,
                TEXT,
                formatter(value),
            )
        )
        y += row_height
    bottom = y
    # The axis: the baseline and the scale's end.
    parts.append(
        format_html(
            '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="{g}"/>'
            '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="{g}"/>'
            '<text x="{l}" y="{ty}" text-anchor="middle" fill="{c}">{zero}</text>'
            '<text x="{r}" y="{ty}" text-anchor="end" fill="{c}">{end}</text>',
            l=label_width,
            t=top,
            b=bottom,
            r=label_width + plot_width,
            g=GRID,
            c=TEXT,
            ty=bottom + 14,
            zero=formatter(Decimal(0)),
            end=formatter(scale_max),
        )
    )
    legend_y = bottom + 34
    legend_x = 4
    # Reference lines go beneath the bars and figures, so that they never hide a number.
    underlay = []
    for index, (label, value) in enumerate(ref for ref in references if ref[1] is not None):
        stroke, dash = REFERENCE_STYLES[index % len(REFERENCE_STYLES)]
        text = f"{label}: {formatter(value)}"
        underlay.append(
            format_html(
                '<line x1="{x}" y1="{t}" x2="{x}" y2="{b}" stroke="{s}" stroke-width="2" '
                'stroke-dasharray="{d}"/>',
                x=_n(x_of(value)),
                t=top,
                b=bottom,
                s=stroke,
                d=dash,
            )
        )
        parts.append(
            format_html(
                '<line x1="{lx}" y1="{ly}" x2="{lx2}" y2="{ly}" stroke="{s}" stroke-width="2" '
                'stroke-dasharray="{d}"/><text x="{tx}" y="{ty}" fill="{c}">{text}</text>',
                s=stroke,
                d=dash,
                lx=legend_x,
                lx2=legend_x + 24,
                ly=legend_y - 4,
                tx=legend_x + 30,
                ty=legend_y,
                c=TEXT,
                text=text,
            )
        )
        legend_x += 30 + 8 * len(text) + 16
    height = legend_y + 8 if underlay else bottom + 22
    body = mark_safe("".join(underlay + parts))  # noqa: S308 -- all made by format_html
    return _svg(title, width, height, body, description)


def funnel_chart(title, stages, *, colour=DEFAULT_COLOUR, description="", width=640):
    """A funnel: one centred bar per (label, count) stage, as wide as its count relative
    to the first stage, with the count and its share of the first stage beside it."""
    colour = safe_colour(colour)
    label_width, row_height, top = 160, 30, 6
    plot_width = width - label_width - 10
    first = stages[0][1] if stages else 0
    centre = label_width + plot_width / 2
    parts = []
    y = top
    for label, count in stages:
        share = (count / first) if first else 0
        bar = max(plot_width * share, 2 if count else 0)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                label_width - 8,
                y + 19,
                TEXT,
                _short(label, 24),
                _n(centre - bar / 2),
                y + 3,
                _n(bar),
                row_height - 6,
                colour,
            )
        )
        # Half up, as every percentage of the dashboard (Python's round() is half-even).
        text = formatting.number(count)
        if first:
            whole = (Decimal(count) * 100 / first).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            text += f" ({whole}%)"
        # The figure sits on a white label so that it reads on any bar colour.
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="16" rx="3" fill="#ffffff" '
                'fill-opacity="0.9"/><text x="{}" y="{}" text-anchor="middle" '
                'fill="{}">{}</text>',
                _n(centre - 40),
                y + 7,
                80,
                _n(centre),
                y + 19,
                TEXT,
                text,
            )
        )
        y += row_height
    body = format_html_join("", "{}", ((part,) for part in parts))
    return _svg(title, width, y + top, body, description)


# The charts of the dashboard and the monitoring report: one function, so both show the
# same pictures of the same figures.


def dashboard_charts(figures, colour=DEFAULT_COLOUR):
    outcomes = figures.outcomes

    def outcome_rows(attribute):
        rows = [(outcomes.total.label, getattr(outcomes.total, attribute))]
        for split in outcomes.splits:
            if split.rows:
                rows.append((split.title, "heading"))
                rows += [(row.label, getattr(row, attribute)) for row in split.rows]
        return rows

    def references(goal, reference):
        return [(_("Goal"), goal), (_("Zwolle trial"), reference)]

    weeks = figures.activity.weeks
    return {
        "funnel": funnel_chart(
            _("Funnel: participants per stage reached"),
            [(stage.label, stage.count) for stage in figures.funnel],
            colour=colour,
        ),
        "in_work_3m": bar_chart(
            _("In work after 3 months"),
            outcome_rows("in_work_3m_percent"),
            references=references(outcomes.goal_in_work_3m, outcomes.reference_in_work_3m),
            max_value=100,
            colour=colour,
            description=_(
                "Share with work of the 3-month follow-ups due and measured by the as-of date."
            ),
        ),
        "off_benefit_6m": bar_chart(
            _("Off benefit after 6 months"),
            outcome_rows("off_benefit_6m_percent"),
            references=references(outcomes.goal_off_benefit_6m, outcomes.reference_off_benefit_6m),
            max_value=100,
            colour=colour,
            description=_(
                "Share off benefit through work, education or an own business of the 6-month "
                "follow-ups due and measured by the as-of date."
            ),
        ),
        "sessions": bar_chart(
            _("Coaching sessions per week"),
            [(formatting.week(week.monday), week.sessions) for week in weeks],
            formatter=number_text,
            colour=colour,
        ),
    }


def savings_chart(savings, colour=DEFAULT_COLOUR):
    return bar_chart(
        _("Savings and programme cost"),
        [
            (_("Realised to date"), savings.realised_to_date),
            (_("Projected (gross)"), savings.gross_projected),
            (_("Projected (net)"), savings.net_projected),
            (_("Programme cost"), savings.programme_cost),
        ],
        formatter=euro_text,
        colour=colour,
    )
