"""System checks of the digests' settings."""

from django.conf import settings
from django.core import checks

from crm import outbound
from crm.checks import claim_outlives_redelivery


@checks.register()
def digest_claim_outlives_redelivery(app_configs, **kwargs):
    """Refuse a DIGEST_CLAIM_TIMEOUT that ends before the broker may redeliver a claimed delivery's task."""
    return claim_outlives_redelivery(setting="DIGEST_CLAIM_TIMEOUT", check_id="alignment.E001", what="digest")


@checks.register()
def digest_webhooks_reachable(app_configs, **kwargs):
    """Warn when a digest webhook set in the environment names a private or loopback host the guard will refuse.

    Only what the URL itself says counts (a literal address, ``localhost``): a check at start-up resolves
    no host name, and crm.outbound checks the resolved addresses again before every post.
    """
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return []
    warnings = []
    for audience, url in sorted((getattr(settings, "DIGEST_WEBHOOKS", {}) or {}).items()):
        if url and outbound.names_private_host(url):
            variable = f"DIGEST_WEBHOOK_{audience.upper()}"
            warnings.append(
                checks.Warning(
                    f"{variable} points to a private or loopback address while WEBHOOK_ALLOW_PRIVATE is off: "
                    f"every {audience} digest posted there fails.",
                    hint=f"Set WEBHOOK_ALLOW_PRIVATE=1 for a receiver on your own network, or give {variable} "
                    "a public https:// address.",
                    id="alignment.W001",
                )
            )
    return warnings
