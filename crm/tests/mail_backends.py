"""An e-mail backend for tests whose worker dies mid-send, for every app's claim tests."""

from django.core.mail.backends.locmem import EmailBackend


class WorkerKilled(BaseException):
    """Stands for SIGKILL mid-send: nothing after it in the sender runs (not even ``except Exception``)."""


class DyingBackend(EmailBackend):
    """Dies while sending to ``victim``: the server may or may not have the message."""

    victim = ""

    def send_messages(self, messages):
        if any(DyingBackend.victim in message.to for message in messages):
            raise WorkerKilled
        return super().send_messages(messages)
