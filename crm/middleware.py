"""Request middleware of the project."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as _LoginRequired
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from rest_framework.authtoken.models import Token

from crm.audit import Actor, acting_as, new_request_id
from crm.roles import roles_of


class LoginRequiredMiddleware(_LoginRequired):
    """Send anonymous users to sign-in from every page.

    The API is left to DRF, which authenticates tokens itself and answers 401/403
    in JSON instead of redirecting a script to an HTML form.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class NoRoleMiddleware:
    """Answer 403 to a signed-in user without a role before any page looks up its object.

    Without it, an object page fetched first and asked the policy second: a user with no role
    heard 404 for an unknown lead and 403 for an existing one, and could count the leads. Now
    every page answers such a user the same, whatever the URL names. Left alone: pages open to
    anyone (sign-in, password reset, health, API docs), one's own account pages, the home page
    (which explains the missing role), the admin (staff) and the API (DRF's ApiPerm answers 403
    before any lookup).
    """

    OWN_ACCOUNT_PAGES = frozenset({"home", "logout", "password_change", "password_change_done"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or roles_of(user):
            return None
        if not getattr(view_func, "login_required", True) or request.path_info.startswith(("/api/", "/admin/")):
            return None
        if request.resolver_match and request.resolver_match.view_name in self.OWN_ACCOUNT_PAGES:
            return None
        return render(request, "crm/no_role.html", status=403)


class RefuseNulMiddleware:
    """Answer 400 to a request whose path or query string holds a NUL character.

    PostgreSQL cannot store or compare NUL in text, so a ``?q=%00`` that reaches a filter is
    a 500; forms and serializers already refuse NUL in bodies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        # The API's query parameters are validated by its filters and views, which answer in the
        # documented JSON shape; pages and every path are guarded here.
        query = "" if path.startswith("/api/") else "".join(k + "".join(v) for k, v in request.GET.lists())
        if "\x00" in path or "\x00" in query:
            return HttpResponseBadRequest("NUL characters are not allowed in addresses.", content_type="text/plain")
        return self.get_response(request)


class AuditContextMiddleware:
    """Attribute the audit entries a request writes to who made it, under one request id.

    The actor is resolved when an entry is written, not here: DRF authenticates a token inside
    the view, and sets ``request.user`` and ``request.auth`` on this request when it does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = new_request_id(request.headers.get("X-Request-ID", ""))

        def actor():
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                return None
            if isinstance(getattr(request, "auth", None), Token):
                return Actor.for_token(user)
            return Actor.for_user(user)

        with acting_as(actor, request_id=request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
