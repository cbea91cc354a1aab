def signing_in_through_provider(request, credentials=None):
    """AXES_WHITELIST_CALLABLE: the provider's callback is no password guess. The provider
    checked the password (and throttles guesses itself); a refusal here (unknown in
    VAKwerk, switched off) has no login name, so axes would count every refusal from a
    town hall's one address against one empty name and lock single sign-on for all."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "sso_callback"
