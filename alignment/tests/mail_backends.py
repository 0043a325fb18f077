"""An e-mail backend for tests that fails a given number of sends before delivering to mail.outbox."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    failures_left = 0

    def send_messages(self, messages):
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
        return super().send_messages(messages)


class WorkerKilled(BaseException):
    """Stands for SIGKILL mid-send: nothing after it in the sender runs (not even ``except Exception``)."""


class DyingBackend(EmailBackend):
    """Dies while sending to ``victim``: the server may or may not have the message."""

    victim = ""

    def send_messages(self, messages):
        if any(DyingBackend.victim in message.to for message in messages):
            raise WorkerKilled
        return super().send_messages(messages)
