"""The page every simple write screen shares: a title, one form, Save and Cancel."""

from django.shortcuts import render


def form_page(request, form, title, cancel_url, template="form_page.html", **extra):
    context = {"form": form, "title": title, "cancel_url": cancel_url, **extra}
    return render(request, template, context)
