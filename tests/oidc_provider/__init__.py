"""A small, real OpenID provider (django-oidc-provider) that the SSO tests start as a
separate process on a free port (tests/sso/provider.py)."""
