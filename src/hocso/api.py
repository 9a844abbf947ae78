"""The JSON API under /api/v1/: each app's ninja router, one auth, one error shape.

Callers authenticate with `Authorization: Bearer <token>` (personal tokens from /tokens/), or
with the browser session (for the interactive docs; unsafe methods then need the CSRF token).
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer

from hocso.accounts.services import token_user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class Utf8JSONRenderer(JSONRenderer):
    """Vietnamese names as UTF-8 text rather than \\u escapes: readable, and shorter."""

    json_dumps_params = {"ensure_ascii": False}


class SessionAuth(APIKeyCookie):
    """The logged-in browser session (with CSRF on unsafe methods)."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="hocso API",
    version="1",
    description="Registry of the province's schools, people and facilities. Every list is scoped "
    "to the caller's org subtree; objects outside it answer 404.",
    auth=[BearerToken(), SessionAuth(csrf=True)],
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
)


@api.exception_handler(ObjectDoesNotExist)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": "Forbidden"}, status=403)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


def _mount_routers() -> None:
    from hocso.assessment.api import router as assessment_router
    from hocso.exams.api import router as exams_router
    from hocso.monitoring.api import router as monitoring_router
    from hocso.orgs.api import router as orgs_router
    from hocso.questions.api import router as questions_router
    from hocso.registry.api import router as registry_router
    from hocso.resources.api import router as resources_router

    api.add_router("", orgs_router)
    api.add_router("", registry_router)
    api.add_router("", assessment_router)
    api.add_router("", questions_router)
    api.add_router("", exams_router)
    api.add_router("", resources_router)
    api.add_router("", monitoring_router)


_mount_routers()
