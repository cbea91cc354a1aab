import json

import jwt
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from oidc_provider.models import RSAKey
from oidc_provider.views import JwksView

# What a test changed in this provider while it runs (POST /test/control/).
CONTROL = {"wrong_jwks": False}


def _public_jwk(pem, kid):
    numbers = serialization.load_pem_private_key(pem.encode(), password=None).public_key()
    numbers = numbers.public_numbers()
    return {
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": jwt.utils.to_base64url_uint(numbers.n).decode("ascii"),
        "e": jwt.utils.to_base64url_uint(numbers.e).decode("ascii"),
    }


def jwks(request):
    """The provider's keys; after a "rotation" the published key is another one than the
    tokens are still signed with, under the same key id."""
    if not CONTROL["wrong_jwks"]:
        return JwksView.as_view()(request)
    signing = RSAKey.objects.first()
    other = (settings.STATE / "other_key.pem").read_text()
    return JsonResponse({"keys": [_public_jwk(other, signing.kid)]})


@csrf_exempt
def control(request):
    data = json.loads(request.body or b"{}")
    if "wrong_jwks" in data:
        CONTROL["wrong_jwks"] = bool(data["wrong_jwks"])
    if "idtoken_expire" in data:
        settings.OIDC_IDTOKEN_EXPIRE = int(data["idtoken_expire"])
    return JsonResponse({"ok": True})


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("openid/jwks", jwks),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
    path("test/control/", control),
]
