"""Research projects and their pseudonymised exports: what goes into them and how files are
written.

The rules (issue 7 and issue 18; ../shared/DESIGN.md, "Domain", the item "Research exports"):

- only participants of the project's programmes who consented to research use;
- a participant is known by a pseudonym, an HMAC of their id keyed with the project's
  secret: stable within one project, unlinkable across projects;
- no name, BSN, address, free text, notes, reasons or handovers; the birth date only as
  its year and the postcode only as its digits (both derived in SQL, so the full values
  never even leave the database);
- every column declares what it is for disclosure control (`privacy`): the pseudonym,
  a quasi-identifier (something an outsider can know about a person: birth year,
  postcode, benefit, registration, group) with its generalisation hierarchy, an attribute
  (what the research is about) or a day of the programme;
- before anything is written, `measure` finds the smallest group of participants that
  share the same quasi-identifiers (k), generalises the quasi-identifiers of the chosen
  tables one step at a time until k reaches the project's threshold, and leaves out (and
  counts) the few participants who still cannot reach it. The builder page, the README,
  the codebook and the list of exports all show this one report;
- dates are days counted from a day 0 that many participants share in reality: the start
  of the participant's group, or the programme's start for those without a group. A
  shared real date (group start, meeting, questionnaire wave) then gives away nothing but
  that shared day 0; intervals stay exact. Registration and benefit dates, which an
  outsider can know, are only exported as generalised quasi-identifiers.

Every table is declared once (`catalogue.TABLES`): its columns with a Dutch label, a type,
value labels and how the value follows from one `.values()` row. The writers stream those
rows from server-side cursors into the file; SPSS and Stata need one whole table in memory
(pyreadstat writes from a DataFrame), so they build one table at a time.

The modules, each with one reason to change, each importing only those above it:

- `pseudonyms.py`: the project's keyed hashes (pseudonym, respondent code, register person);
- `column_privacy.py`: what a column is for disclosure control, the quasi-identifiers and
  their generalisation hierarchies;
- `columns.py`: how a table and its columns are declared (types, value labels);
- `tables.py`: the tables about participants (rows and columns);
- `comparison.py`: the comparison group from the benefit register;
- `catalogue.py`: the tables an export offers, in order;
- `disclosure.py`: measuring k and uniques, generalising and suppressing (`measure`);
- `cells.py`: one export's context and each column's encoding per format;
- `codebook.py`: the codebook and README in every file;
- `writers.py`: CSV (zip, COPY), Excel, SPSS and Stata files, storage and download names.

`services.py` decides who may request and download what and keeps row, file and audit
trail in step.
"""
