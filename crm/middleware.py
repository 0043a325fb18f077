"""Request middleware of the project."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as _LoginRequired


class LoginRequiredMiddleware(_LoginRequired):
    """Send anonymous users to sign-in from every page.

    The API is left to DRF, which authenticates tokens itself and answers 401/403
    in JSON instead of redirecting a script to an HTML form.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
