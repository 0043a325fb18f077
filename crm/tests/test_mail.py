"""crm.mail: an SMTP error says whether the server may have the message, by the step it happened at.

Each test talks to a real loopback SMTP server that fails one step (crm/tests/smtp_server.py).
"""

import smtplib

import pytest
from django.core.mail import EmailMessage, get_connection

from crm.delivery import MayHaveArrived
from crm.mail import MessageMayHaveArrived
from crm.tests.smtp_server import ScriptedSmtpServer, not_listening


def _send(port, *, timeout=5, use_ssl=False):
    backend = get_connection("crm.mail.EmailBackend", host="127.0.0.1", port=port, timeout=timeout, use_ssl=use_ssl)
    message = EmailMessage("Week 10", "Hello", "tandem@example.com", ["sid@example.com"], connection=backend)
    return message.send()


def test_an_accepted_message_is_sent_once():
    with ScriptedSmtpServer() as server:
        assert _send(server.port) == 1
    assert len(server.messages) == 1 and b"Hello" in server.messages[0]


@pytest.mark.parametrize("fail_at", ["drop", "hang"])
def test_a_message_sent_whole_whose_answer_is_lost_may_have_arrived(fail_at):
    with ScriptedSmtpServer(fail_at) as server, pytest.raises(MessageMayHaveArrived) as failed:
        _send(server.port, timeout=0.5)  # the hang ends when the client's timeout does
    assert len(server.received) == 1  # the server has it; the client cannot know
    assert isinstance(failed.value, MayHaveArrived)
    assert isinstance(failed.value, smtplib.SMTPServerDisconnected)  # callers catching SMTP errors still do


@pytest.mark.parametrize(
    ("fail_at", "error"),
    [
        ("mail", smtplib.SMTPServerDisconnected),  # the same class as a lost answer, but before the message
        ("rcpt", smtplib.SMTPRecipientsRefused),
        ("end", smtplib.SMTPDataError),  # the server had the message and answered 451: refused
    ],
)
def test_an_error_before_the_message_went_out_or_a_refusal_proves_it_unsent(fail_at, error):
    with ScriptedSmtpServer(fail_at) as server, pytest.raises(error) as failed:
        _send(server.port)
    assert not isinstance(failed.value, MayHaveArrived)
    assert server.messages == []


def test_a_server_not_listening_proves_it_unsent():
    with pytest.raises(ConnectionRefusedError) as failed:
        _send(not_listening())
    assert not isinstance(failed.value, MayHaveArrived)


def test_the_backend_uses_the_noting_connection_for_smtp_and_smtps():
    from crm import mail

    assert get_connection("crm.mail.EmailBackend", host="x", port=1).connection_class is mail.SMTP
    assert get_connection("crm.mail.EmailBackend", host="x", port=1, use_ssl=True).connection_class is mail.SMTP_SSL
