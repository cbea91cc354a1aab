"""A validator of SRG delivery files written from the guideline's description
(Richtlijnen SRG 2021, with the record layout VAKwerk assumes where the text was not
reachable: see funding/provisions/spec.py A1–A9), independently of the builder: it reads
the positions from its own table, not from the spec module, so a builder that drifts from
the layout fails here."""

import datetime

RECORD_LENGTH = 80
# (name, first position, length), counted from 1 as the guideline does.
LEADING = [
    ("recordsoort", 1, 1),
    ("gemeentecode", 2, 4),
    ("verslagmaand", 6, 6),
    ("aanmaakdatum", 12, 8),
    ("richtlijnversie", 20, 4),
    ("soort_levering", 24, 1),
    ("aantal_records", 25, 7),
]
DETAIL = [
    ("recordsoort", 1, 1),
    ("gemeentecode", 2, 4),
    ("verslagmaand", 6, 6),
    ("bsn", 12, 9),
    ("geboortedatum", 21, 8),
    ("kenmerk", 29, 20),
    ("soort", 49, 3),
    ("begin", 52, 8),
    ("einde", 60, 8),
    ("percentage_lks", 68, 3),
    ("bedrag_lks", 71, 9),
]
# CBS's codes 23, 29, 30, 31 and 59 (its SRG FAQ), zero-filled to the field's width, and
# VAKwerk's placeholders for the rest.
KNOWN_KINDS = {"101", "102", "030", "201", "029", "023", "401", "501", "031", "701", "702", "059"}
WAGE_SUBSIDY_KINDS = {"701", "702"}


def _fields(line, layout):
    return {name: line[start - 1 : start - 1 + length] for name, start, length in layout}


def _date(text):
    try:
        return datetime.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _eleven_check(bsn):
    if len(bsn) != 9 or not bsn.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(bsn[:8], range(9, 1, -1), strict=True))
    return (total - int(bsn[8])) % 11 == 0


def problems(content: bytes, municipality_code, month):
    """Every way `content` breaks the layout or a rule; empty for a valid file."""
    found = []
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        return ["not ASCII"]
    if not text.endswith("\r\n"):
        return ["does not end in CR LF"]
    lines = text[:-2].split("\r\n")
    for number, line in enumerate(lines, 1):
        if len(line) != RECORD_LENGTH:
            found.append(f"line {number}: {len(line)} characters")
    if found:
        return found
    head = _fields(lines[0], LEADING)
    if head["recordsoort"] != "V":
        found.append("the first record is not the leading record")
    if head["gemeentecode"] != municipality_code:
        found.append("wrong municipality code")
    if head["verslagmaand"] != month.strftime("%Y%m"):
        found.append("wrong report month")
    if _date(head["aanmaakdatum"]) is None:
        found.append("no date made")
    if head["soort_levering"] not in ("1", "2"):
        found.append("unknown kind of delivery")
    details = lines[1:]
    if not head["aantal_records"].isdigit() or int(head["aantal_records"]) != len(details):
        found.append("the count does not match the records")
    first = month.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    periods = {}
    for number, line in enumerate(details, 2):
        record = _fields(line, DETAIL)
        where = f"line {number}"
        if record["recordsoort"] != "D":
            found.append(f"{where}: not a detail record")
        if record["gemeentecode"] != municipality_code:
            found.append(f"{where}: wrong municipality code")
        if record["verslagmaand"] != head["verslagmaand"]:
            found.append(f"{where}: another report month")
        if not _eleven_check(record["bsn"]):
            found.append(f"{where}: BSN fails the 11-check")
        if _date(record["geboortedatum"]) is None:
            found.append(f"{where}: no date of birth")
        if not record["kenmerk"].strip():
            found.append(f"{where}: no reference")
        if record["soort"] not in KNOWN_KINDS:
            found.append(f"{where}: unknown kind {record['soort']}")
        begin = _date(record["begin"])
        end = None if record["einde"] == "00000000" else _date(record["einde"])
        if begin is None or (record["einde"] != "00000000" and end is None):
            found.append(f"{where}: a date is not a date")
            continue
        if end is not None and end < begin:
            found.append(f"{where}: ends before it starts")
        if begin > last or (end is not None and end < first):
            found.append(f"{where}: outside the report month")
        percentage, amount = record["percentage_lks"], record["bedrag_lks"]
        if not (percentage.isdigit() and amount.isdigit()):
            found.append(f"{where}: wage-cost subsidy not numeric")
        elif record["soort"] in WAGE_SUBSIDY_KINDS:
            if int(percentage) > 100 or (int(percentage) == 0 and int(amount) == 0):
                found.append(f"{where}: wage-cost subsidy without percentage or amount")
        elif int(percentage) or int(amount):
            found.append(f"{where}: a subsidy on a kind that is not one")
        for other_begin, other_end in periods.get((record["bsn"], record["soort"]), []):
            if begin <= (other_end or datetime.date.max) and other_begin <= (
                end or datetime.date.max
            ):
                found.append(f"{where}: overlaps another provision of the same kind")
        periods.setdefault((record["bsn"], record["soort"]), []).append((begin, end))
    return found


def details(content: bytes):
    lines = content.decode("ascii")[:-2].split("\r\n")[1:]
    return [_fields(line, DETAIL) for line in lines]


def leading(content: bytes):
    return _fields(content.decode("ascii").split("\r\n")[0], LEADING)
