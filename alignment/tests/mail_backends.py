"""An e-mail backend for tests that fails a given number of sends before delivering to mail.outbox.

The backend whose worker dies mid-send is crm.tests.mail_backends.DyingBackend.
"""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    failures_left = 0

    def send_messages(self, messages):
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
        return super().send_messages(messages)
