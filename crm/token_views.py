"""The page where a user creates, regenerates and revokes their own API token."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from crm.roles import Perm, perm_required


@never_cache
@perm_required(Perm.READ)
@require_http_methods(["GET", "POST"])
def api_token(request):
    """Show whether the user has a token; create, regenerate or revoke it on POST.

    The key is shown once, in the answer to the POST that made it, and never again.
    """
    token = Token.objects.filter(user=request.user).first()
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("create", "regenerate"):
            with transaction.atomic():
                # A new key always: regenerating revokes the old one in the same breath.
                Token.objects.filter(user=request.user).delete()
                token = Token.objects.create(user=request.user)
            return render(
                request,
                "crm/api_token.html",
                {"token": token, "new_key": token.key, "regenerated": action == "regenerate"},
            )
        if action == "revoke":
            deleted, _ = Token.objects.filter(user=request.user).delete()
            if deleted:
                messages.success(request, "Your API token is revoked: scripts using it are refused from now on.")
            return redirect("api-token")
        messages.error(request, "Unknown action.")
        return redirect("api-token")
    return render(request, "crm/api_token.html", {"token": token, "new_key": None})
