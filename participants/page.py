"""What the apps above participants add to a participant's page.

participants is the lowest domain layer: consultants, employers and funding import it,
never the other way round. Their rows still belong on the participant's page, so each
registers here from its AppConfig.ready():

- a timeline source, `source(user, participant)`, giving that app's rows as
  `selectors.TimelineEntry`s, one query per source whatever the history's length;
- a context part, `part(request, participant)`, giving a dict for the page's template
  (the coaching-session form).

Each kind's entry body is written by the app that adds the kind: `add_timeline_kind(kind,
render)`, `render(obj)` giving safe HTML (`participants.timeline` writes the entry around
it).

A source's position fixes where its entries stand among those of the same day (the
timeline's sort is stable): status 10, intake 20, session 30, ladder rung 40, follow-up
50, match 60, commitment 70, training 80, change 90.
"""

_timeline_sources = {}
_timeline_renderers = {}
_context_parts = {}


def add_timeline_source(position, source):
    _timeline_sources[source] = position


def timeline_sources():
    return sorted(_timeline_sources, key=_timeline_sources.get)


def add_timeline_kind(kind, render):
    _timeline_renderers[kind] = render


def timeline_renderer(kind):
    return _timeline_renderers.get(kind)


def add_context_part(part, position=0):
    _context_parts[part] = position


def context_for(request, participant):
    context = {}
    for part in sorted(_context_parts, key=_context_parts.get):
        context.update(part(request, participant))
    return context
