"""Pages of the kernel: the health check, and the server error answer."""

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache


@login_not_required
@never_cache
def healthz(request):
    """Report whether the database and the cache answer (for load balancers)."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise: this is the health endpoint
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("tandem:healthz", "1", 5)
        checks["cache"] = "ok"
    except Exception as exc:
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = checks["database"] == "ok"
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def server_error(request):
    """Answer an unhandled error: JSON under /api/ (scripts parse every answer), the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Server error: the request was not completed. Try again later.", "code": "server_error"},
            status=500,
        )
    return defaults.server_error(request)
