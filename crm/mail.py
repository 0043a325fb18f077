"""Sending e-mail over SMTP, telling a message the server refused from one it may have accepted.

SMTP hands a message over in steps: connect (and TLS, login), MAIL FROM, RCPT TO, DATA (answered
354), the message itself ending with a line holding a dot, and the server's final answer. Until
that last line is sent the server cannot have accepted the message, so any error before it — a
refused connection, a failed login, a 4xx/5xx answer to MAIL, RCPT or DATA, the connection
dropping on the way — proves it unsent. A 4xx/5xx final answer refuses the message: unsent too.
Between the last line and the final answer the server may accept it while the answer is lost (the
connection drops, the read times out): the recipient may have it, and a retry would be a second
copy (RFC 1047). Only that window raises MessageMayHaveArrived.

Django's SMTP backend lets smtplib's errors through, and they do not say when they happened:
SMTPServerDisconnected is the same error at MAIL FROM and after the message. So this backend's
connection notes when the message's last line went out and turns an error while reading the answer
to it into MessageMayHaveArrived, which is both a crm.delivery.MayHaveArrived and an
SMTPServerDisconnected (code catching SMTPException still catches it). EMAIL_URL's smtp:// and
smtps:// use this backend (crm/settings.py).
"""

import smtplib

from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend

from crm.delivery import MayHaveArrived

END_OF_MESSAGE = b"\r\n.\r\n"


class MessageMayHaveArrived(MayHaveArrived, smtplib.SMTPServerDisconnected):
    """The whole message was sent and the server's answer to it never came."""


class _NotesTheMessageEnd:
    """smtplib.SMTP that raises MessageMayHaveArrived when the answer to a sent message is lost.

    smtplib's ``data()`` sends the DATA command, checks for 354, sends the quoted message with its
    final dot in one ``send()``, then reads the final answer; ``sendmail()`` refuses anything but 250.
    """

    _in_data = False
    message_sent = False

    def data(self, msg):
        self._in_data, self.message_sent = True, False
        try:
            code, answer = super().data(msg)
        except smtplib.SMTPException as exc:
            if self.message_sent:
                raise MessageMayHaveArrived(
                    f"the connection broke before the server answered the message: {exc}"
                ) from exc
            raise
        finally:
            self._in_data = False
        if self.message_sent and code < 200:  # not an SMTP answer (smtplib reads -1): it says nothing
            raise MessageMayHaveArrived(f"the server's answer to the message is unreadable: {answer!r}")
        return code, answer

    def send(self, s):
        super().send(s)
        # Only the message itself, sent by data() after the 354, ends with the dot line.
        if self._in_data and isinstance(s, bytes) and s.endswith(END_OF_MESSAGE):
            self.message_sent = True


class SMTP(_NotesTheMessageEnd, smtplib.SMTP):
    pass


class SMTP_SSL(_NotesTheMessageEnd, smtplib.SMTP_SSL):
    pass


class EmailBackend(DjangoSMTPBackend):
    """Django's SMTP backend whose sends raise MessageMayHaveArrived when the server may have the message."""

    @property
    def connection_class(self):
        return SMTP_SSL if self.use_ssl else SMTP
