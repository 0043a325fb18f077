"""What a failed send says about its message: proven unsent, or perhaps arrived.

A sender that retries every failed send gives some receivers two copies: the error can come
after the receiver had the whole message, while its answer was on the way (the connection
dropped, the answer timed out). Each transport tells that case apart and raises an error that is
also a MayHaveArrived (crm.mail for SMTP, crm.outbound for webhooks); every other error proves the
message unsent — refused before it went out whole, or refused by the receiver's answer — so a
retry is safe. A sender records a MayHaveArrived as "outcome unknown" and never resends it on its
own: a person who knows whether it arrived does.
"""


class MayHaveArrived(Exception):
    """The message went out whole and no answer came back: the receiver may have it. Do not resend on your own."""
