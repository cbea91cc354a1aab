"""`{% page_counter %}` and `{% pdf_fonts %}` for vakwerk/pdf_page.css, the stylesheet every
PDF template includes (vakwerk/pdf.py)."""

from django import template
from django.utils.safestring import mark_safe

from vakwerk import pdf

register = template.Library()


@register.simple_tag
def page_counter():
    # Safe: page_counter_css drops every character that could end the CSS string.
    return mark_safe(pdf.page_counter_css())  # noqa: S308


@register.simple_tag
def pdf_fonts():
    return mark_safe(pdf.FONT_FAMILY)  # noqa: S308
