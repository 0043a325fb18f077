"""Tandem's URLs plus the peers the benchmark measures it against.

- ``/bench-admin/``: Django's admin with a stock ModelAdmin for Lead (what a Django user has
  without a CRM): default paginator with its full COUNT, a status filter and a search.
- ``/bench/minimal-capture/``: the floor of a capture endpoint: a form of four fields
  validated and one row inserted, nothing else. Public, as the capture endpoint is: exempt
  from the sign-in requirement (crm.middleware.LoginRequiredMiddleware), which otherwise
  redirected every anonymous POST to the sign-in page (issue 19: the peer once timed that page).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from leads.models import Lead

stock_site = admin.AdminSite(name="bench_admin")


@admin.register(Lead, site=stock_site)
class StockLeadAdmin(admin.ModelAdmin):
    list_display = ("email", "first_name", "last_name", "company", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("email", "first_name", "last_name", "company")


class MinimalLeadForm(forms.Form):
    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    company = forms.CharField(max_length=200, required=False)


@login_not_required
@csrf_exempt
@require_POST
def minimal_capture(request):
    """Validate four fields and insert one lead: no dedupe, touchpoint, scoring or hand-off."""
    form = MinimalLeadForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    lead = Lead.objects.create(**form.cleaned_data)
    return JsonResponse({"lead_id": lead.pk, "created": True}, status=201)


urlpatterns = [
    path("bench-admin/", stock_site.urls),
    path("bench/minimal-capture/", minimal_capture),
    path("", include("crm.urls")),
]
