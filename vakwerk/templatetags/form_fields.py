"""Form fields as crispy-forms' bootstrap5 pack renders them, built in Python.

`{{ form.field|as_field }}` and `{{ form|as_fields }}` give the same markup as crispy's
`as_crispy_field` and `crispy` (label, required asterisk, help text, errors, the
bootstrap classes, aria attributes). Crispy renders every field through five templates
and a select's every option through two more (the option and its attributes); on the
caseload, whose filter has six selects with fifty options, and on the participant's page
with its three forms, that template work was a fifth of the page's time. Fields the pack
draws differently (checkboxes, radio and checkbox lists, files, several widgets in one)
and forms with a crispy helper still go through crispy; radio and checkbox lists are
written here too.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms, template
from django.template.defaultfilters import unordered_list
from django.templatetags.l10n import unlocalize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

_ASTERISK = '<span class="asteriskField">*</span>'

# Django's widget templates this module writes itself (their markup, without the
# per-attribute and per-option template includes).
_INPUT = "django/forms/widgets/input.html"
_SELECT = "django/forms/widgets/select.html"
_TEXTAREA = "django/forms/widgets/textarea.html"
_INPUT_TEMPLATES = {
    "django/forms/widgets/" + name + ".html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
    )
}


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def _widget_html(widget):
    """The markup of Django's template for a widget's context, or None for a widget this
    module does not write."""
    template_name = widget["template_name"]
    name = conditional_escape(widget["name"])
    if template_name in _INPUT_TEMPLATES:
        value = widget["value"]
        value = "" if value is None else f' value="{conditional_escape(str(value))}"'
        kind = conditional_escape(widget["type"])
        return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>'
    if template_name == _TEXTAREA:
        value = conditional_escape(widget["value"]) if widget["value"] else ""
        return f'<textarea name="{name}"{_attrs(widget["attrs"])}>\n{value}</textarea>'
    if template_name == _SELECT:
        parts = [f'<select name="{name}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                if option["template_name"] != "django/forms/widgets/select_option.html":
                    return None
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)
    return None


def _control(field, css):
    """What crispy's `{% crispy_field field 'class' css %}` gives: the widget's class name
    and `css` added to its classes (kept on the widget, as crispy does), then the steps of
    BoundField.as_widget() without its template rendering."""
    widget = field.field.widget
    class_name = widget.__class__.__name__.lower()
    classes = widget.attrs.get("class", "")
    if classes:
        if classes.find(class_name) == -1:
            classes += f" {class_name}"
    else:
        classes = class_name
    for css_class in css.split():
        if css_class not in classes.split():
            classes += f" {css_class}"
    widget.attrs["class"] = classes
    if field.field.localize:
        widget.is_localized = True
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)
    html = _widget_html(context["widget"])
    if html is None:
        html = widget._render(widget.template_name, context, field.form.renderer)
    return html


def _drawn_by_crispy(field):
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect):  # CheckboxSelectMultiple too
        return _has_helper(field) or not field.use_fieldset
    return (
        _has_helper(field)
        or isinstance(widget, (forms.CheckboxInput, forms.FileInput, forms.MultiWidget))
        or field.use_fieldset
        or hasattr(widget, "widget")
        or field.field.show_hidden_initial
    )


def _has_helper(field):
    return getattr(field.form, "helper", None) is not None


def _label_html(field, tag, css):
    """crispy's label (or legend) of a field: the required ones get an asterisk."""
    required = field.field.required
    label_id = field.id_for_label
    for_attr = f'for="{conditional_escape(label_id)}" ' if label_id else ""
    return (
        f'<{tag} {for_attr}class="{css}{" requiredField" if required else ""}'
        f'{" fs-6" if tag == "legend" else ""}">'
        f"{conditional_escape(field.label)}{_ASTERISK if required else ''}</{tag}>"
    )


def _errors_html(field):
    """bootstrap5/layout/field_errors_block.html."""
    errors = field.errors
    if not errors:
        return ""
    parts = [format_html('<div id="{}_error" class="invalid-feedback">', errors.field_id)]
    for number, error in enumerate(errors, 1):
        parts.append(
            format_html(
                '<p id="error_{}_{}"><strong>{}</strong></p>', number, field.auto_id, error
            )
        )
    parts.append("</div>")
    return "".join(parts)


def _help_html(field):
    """templates/bootstrap5/layout/help_text.html (escaped, unlike crispy's own)."""
    if not field.help_text:
        return ""
    help_id = f'id="{conditional_escape(field.auto_id)}_helptext" ' if field.auto_id else ""
    return f'<div {help_id}class="form-text">{conditional_escape(field.help_text)}</div>'


def _choice_list_html(field):
    """A radio or checkbox list: crispy's field.html with a fieldset and legend around
    bootstrap5/layout/radio_checkbox_select.html."""
    widget = field.field.widget
    parts = []
    if field.label:
        described = field.aria_describedby
        described = f' aria-describedby="{conditional_escape(described)}"' if described else ""
        parts.append(f"<fieldset{described}>")
        parts.append(_label_html(field, "legend", "form-label"))
    parts.append("<div >")
    # crispy's `optgroups` filter.
    id_ = widget.attrs.get("id") or field.auto_id
    attrs = field.build_widget_attrs({"id": id_} if id_ else {})
    groups = widget.optgroups(field.html_name, widget.format_value(field.value()), attrs)
    invalid = " is-invalid" if field.errors else ""
    name = conditional_escape(field.html_name)
    for group_number, (group, options, _index) in enumerate(groups, 1):
        if group:
            parts.append(f"<strong>{conditional_escape(group)}</strong>")
        for option_number, option in enumerate(options, 1):
            option_attrs = option["attrs"]
            parts.append(
                f'<div class="form-check"><input type="{conditional_escape(option["type"])}"'
                f' class="form-check-input{invalid}" name="{name}"'
                f' value="{conditional_escape(unlocalize(option["value"]))}"'
                f" {_attrs(option_attrs)}>"
                f'<label for="{conditional_escape(option_attrs.get("id", ""))}"'
                f' class="form-check-label">{conditional_escape(unlocalize(option["label"]))}'
                "</label>"
            )
            if option_number == len(options) and group_number == len(groups):
                parts.append(_errors_html(field))
            parts.append("</div>")
    parts.append("</div>")
    parts.append(_help_html(field))
    if field.label:
        parts.append("</fieldset>")
    return "".join(parts)


def _field_html(field):
    if field.is_hidden:
        return str(field)
    if _drawn_by_crispy(field):
        return as_crispy_field(field)
    css_classes = field.css_classes()
    auto_id = conditional_escape(field.auto_id)
    extra = f" {conditional_escape(css_classes)}" if css_classes else ""
    parts = [f'<div id="div_{auto_id}" class="mb-3{extra}">']
    if isinstance(field.field.widget, forms.RadioSelect):
        parts.append(_choice_list_html(field))
    else:
        if field.label:
            parts.append(_label_html(field, "label", "form-label"))
        errors = field.errors
        if isinstance(field.field.widget, forms.Select):
            css = "form-select is-invalid" if errors else "form-select"
        else:
            css = "form-control is-invalid" if errors else "form-control"
        parts.append(_control(field, css))
        parts.append(_errors_html(field))
        parts.append(_help_html(field))
    parts.append("</div>")
    return "".join(parts)


@register.filter
def as_field(field):
    """`{{ form.field|as_field }}`: crispy's `as_crispy_field`."""
    return mark_safe(_field_html(field))  # noqa: S308 (every value above is escaped)


@register.filter
def as_fields(form):
    """`{{ form|as_fields }}`: crispy's `crispy` filter for a form without a helper."""
    if getattr(form, "helper", None) is not None:
        return as_crispy_form(form)
    parts = [str(form.media)]
    if form.non_field_errors():
        parts.append(
            format_html(
                '<div class="alert alert-block alert-danger"><ul class="m-0">{}</ul></div>',
                mark_safe(  # noqa: S308 (unordered_list escapes)
                    unordered_list(form.non_field_errors())
                ),
            )
        )
    parts.extend(_field_html(field) for field in form)
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)
