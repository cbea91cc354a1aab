"""Single sign-on per municipality (OpenID Connect), on top of mozilla-django-oidc."""
