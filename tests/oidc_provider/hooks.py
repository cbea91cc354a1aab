def userinfo(claims, user):
    claims["email"] = user.email
    claims["name"] = user.get_full_name() or user.email
    return claims


def id_token(id_token, user, token, request, **kwargs):
    # Like Entra ID: the e-mail address and the groups in the ID token itself.
    id_token["email"] = user.email
    id_token["groups"] = sorted(user.groups.values_list("name", flat=True))
    return id_token
