"""The user's own alerts page: where hand-off alerts go besides e-mail."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from crm.roles import Perm, perm_required
from handoffs.forms import AlertPreferenceForm
from handoffs.models import AlertPreference
from handoffs.services import alert_preference_set


@never_cache
@perm_required(Perm.READ)
@require_http_methods(["GET", "POST"])
def alert_settings(request):
    """Show and set the user's personal alert webhook."""
    preference = AlertPreference.objects.filter(user=request.user).first()
    form = AlertPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        try:
            alert_preference_set(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field, error)
        else:
            messages.success(request, "Alert settings saved.")
            return redirect("alert-settings")
    return render(request, "handoffs/alert_settings.html", {"form": form, "preference": preference})
