"""What each export column is for disclosure control: a key (pseudonym, respondent code),
an attribute, a day of the programme, or a quasi-identifier with its generalisation
hierarchy, from the most detailed to the most general level."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Declared:
    """A column that is no quasi-identifier, with the reason in the codebook's words."""

    kind: str  # KEY, ATTRIBUTE or DAY
    note: str


KEY, ATTRIBUTE, DAY, QUASI = "key", "attribute", "day", "quasi"
PSEUDONYM = Declared(KEY, "pseudoniem: koppelt de tabellen, zegt niets over de persoon")
RESPONDENT = Declared(KEY, "respondentcode per ingevulde vragenlijst")
PROGRAMME_DAY = Declared(
    DAY,
    "dag van het traject: dagen sinds dag 0 (start van de groep, anders van het project),"
    " een datum die alle deelnemers van de groep delen",
)


def attribute(note="gegeven waar het onderzoek over gaat; geen quasi-identificator"):
    return Declared(ATTRIBUTE, note)


@dataclass(frozen=True)
class QuasiIdentifier:
    """Something an outsider can know about a person. `levels` go from the most detailed
    to the most general; each is (Dutch description, function of the raw value)."""

    name: str
    label: str
    levels: tuple
    kind: str = QUASI

    @property
    def note(self):
        return "quasi-identificator"

    def generalise(self, level, value):
        return None if value is None else self.levels[level][1](value)


def _floor(step):
    return lambda value: (value // step) * step


def _quarter(day):
    return f"{day.year}-K{(day.month - 1) // 3 + 1}"


_HIDDEN = ("niet getoond", lambda value: None)

# The hierarchies; `measure` climbs them only as far as the project's threshold needs.
QUASI_IDENTIFIERS = {
    qi.name: qi
    for qi in (
        QuasiIdentifier("programme", "Project (traject)", (("het project", lambda v: v),)),
        QuasiIdentifier(
            "birth_year",
            "Geboortejaar",
            (
                ("het jaar", lambda v: v),
                ("banden van 5 jaar (het eerste jaar van de band)", _floor(5)),
                ("banden van 10 jaar (het eerste jaar van de band)", _floor(10)),
                _HIDDEN,
            ),
        ),
        QuasiIdentifier(
            "postcode",
            "Postcode",
            (
                ("vier cijfers", lambda v: v[:4]),
                ("drie cijfers", lambda v: v[:3]),
                ("twee cijfers (regio)", lambda v: v[:2]),
                _HIDDEN,
            ),
        ),
        QuasiIdentifier("target_group", "Doelgroep", (("de doelgroep", lambda v: v), _HIDDEN)),
        QuasiIdentifier("benefit_type", "Uitkering", (("de soort uitkering", lambda v: v),)),
        QuasiIdentifier(
            "benefit_months",
            "Maanden in de uitkering bij aanmelding",
            (
                ("maanden", lambda v: v),
                ("banden van 6 maanden", _floor(6)),
                ("banden van 12 maanden", _floor(12)),
                ("banden van 24 maanden", _floor(24)),
                _HIDDEN,
            ),
        ),
        QuasiIdentifier(
            "monthly_benefit",
            "Uitkering per maand",
            (
                ("op de cent", lambda v: v),
                ("banden van EUR 100 (ondergrens)", _floor(100)),
                ("banden van EUR 250 (ondergrens)", _floor(250)),
                ("banden van EUR 500 (ondergrens)", _floor(500)),
                _HIDDEN,
            ),
        ),
        QuasiIdentifier(
            "enrolled",
            "Aangemeld in",
            (
                ("maand (JJJJ-MM)", lambda v: f"{v:%Y-%m}"),
                ("kwartaal (JJJJ-Kn)", _quarter),
                ("jaar", lambda v: str(v.year)),
                _HIDDEN,
            ),
        ),
        QuasiIdentifier("cohort", "Groep", (("het groepsnummer", lambda v: v), _HIDDEN)),
        QuasiIdentifier(
            "cohort_joined",
            "In de groep gekomen (weken tot de start van de groep)",
            (("weken", lambda v: v), ("banden van 4 weken", _floor(4)), _HIDDEN),
        ),
    )
}


def quasi(name):
    return QUASI_IDENTIFIERS[name]
