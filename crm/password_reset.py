"""The password-reset request page, limited per address and per client.

Each request sends an e-mail: unlimited, one visitor could fill a colleague's inbox or make
Tandem a mail cannon. A throttled request gets the very same answer as a sent one (the "check
your inbox" page) and sends nothing, so the page tells nobody whether an address has an account
or how often it was asked for.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect

from crm.client_ip import client_ip
from crm.ratelimit import within_rate


def _address_key(email):
    # Hashed: the cache holds no e-mail addresses.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class LimitedPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, sending at most PASSWORD_RESET_EMAIL_RATE / _CLIENT_RATE e-mails."""

    def form_valid(self, form):
        # Both counters count every request, so a visitor cannot probe one limit behind the other.
        by_address = within_rate(
            "password_reset_email", _address_key(form.cleaned_data["email"]), settings.PASSWORD_RESET_EMAIL_RATE
        )
        by_client = within_rate("password_reset_client", client_ip(self.request), settings.PASSWORD_RESET_CLIENT_RATE)
        if by_address and by_client:
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())
