from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from .accessibility_statement import statement


# Public on purpose, like the login page: the law asks that anyone, also someone a barrier
# keeps from logging in, can read the statement and find where to report that barrier.
@require_GET
def accessibility_statement(request):
    return render(
        request,
        "vakwerk/accessibility_statement.html",
        {"statement": statement(request.user)},
    )


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: point them at the static one."""
    return redirect(static("img/favicon.ico"), permanent=True)
