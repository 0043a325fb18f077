"""Personal alert webhooks: which addresses a user may set, and posting one alert to one.

A webhook URL is typed by a user, and the server then calls it: crm.outbound accepts only
http(s) to a host whose every address is public, checked when the user saves it and again
before each post, connects to the address it checked (a DNS answer that changes in between
cannot reach a private address) and follows no redirects. ALERT_WEBHOOK_ALLOW_PRIVATE=1 lifts
the address rule for a receiver on the team's own network (and for the tests' local receiver).
"""

from django.conf import settings

from crm import outbound
from crm.delivery import MayHaveArrived


class WebhookRefused(Exception):
    """The URL is not one Tandem posts to; the message says why, in words for the user."""


class WebhookFailed(Exception):
    """The receiver could not be reached or did not answer 2xx."""


class WebhookMayHaveArrived(MayHaveArrived, WebhookFailed):
    """The alert was posted whole and no answer came: the receiver may have it."""


def webhook_url_check(url):
    """Raise WebhookRefused unless ``url`` is an http(s) address of a public host (or private ones are allowed)."""
    try:
        outbound.check_public_url(url, allow_private=settings.ALERT_WEBHOOK_ALLOW_PRIVATE)
    except outbound.Refused as exc:
        raise WebhookRefused(str(exc)) from None


def slack_escape(text):
    """Escape the three characters Slack-compatible webhooks read as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_post(url, *, text, link):
    """Post one alert as Slack-compatible JSON ({"text": …}) to ``url``; raise WebhookFailed or WebhookRefused.

    WebhookMayHaveArrived, a WebhookFailed, says the alert went out whole and its answer was lost.
    """
    body = {"text": f"{slack_escape(text)}\n<{link}|Open the hand-off inbox>"}
    try:
        answer = outbound.post_json(
            url,
            body,
            headers={"User-Agent": "Tandem alerts"},
            timeout=settings.ALERT_WEBHOOK_TIMEOUT,
            allow_private=settings.ALERT_WEBHOOK_ALLOW_PRIVATE,
        )
    except outbound.Refused as exc:
        raise WebhookRefused(str(exc)) from None
    except outbound.NoAnswer as exc:
        raise WebhookMayHaveArrived(f"the webhook did not answer: {exc}") from exc
    except outbound.Unreachable as exc:
        raise WebhookFailed(f"the webhook could not be reached: {exc}") from exc
    if 300 <= answer.status < 400:
        raise WebhookFailed(
            f"the webhook answered a redirect ({answer.status}); Tandem posts to the address given only"
        )
    if not 200 <= answer.status < 300:
        raise WebhookFailed(f"the webhook answered {answer.status}")
