"""The one way VAKwerk makes a PDF: an HTML template to an accessible PDF (PDF/UA-1: tagged
headings and tables, the document's language and title), set in the same fonts with the
same page header and "Page X of Y" footer whatever app it belongs to.

A PDF template puts `{% include "vakwerk/pdf_page.css" %}` at the top of its <style> (A4,
fonts, the running header from the document's own texts, the page counter, headings in
the municipality's `colour`) and adds only what is its own after it."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# WeasyPrint finds these through fontconfig; DejaVu Sans is in the image and on CI.
FONT_FAMILY = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif'


def page_counter_css():
    """CSS `content` for "Page X of Y": the sentence from the catalogue, the numbers from
    WeasyPrint's page counters. Quotes, backslashes and angle brackets are dropped so that
    no translation can break out of the CSS string."""
    text = _("Page %(page)s of %(pages)s")
    text = text.replace('"', "").replace("\\", "").replace("<", "")
    text = text % {"page": '" counter(page) "', "pages": '" counter(pages) "'}
    return f'"{text}"'


def render_pdf(html):
    """HTML to an accessible PDF (tagged headings and tables, PDF/UA-1), as bytes."""
    import weasyprint  # heavy import (Pango); only the PDF paths need it

    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant="pdf/ua-1"
    )


def render_template_pdf(template_name, context):
    """The template rendered with `context`, as an accessible PDF (bytes)."""
    return render_pdf(render_to_string(template_name, context))
