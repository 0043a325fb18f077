"""System checks of the hand-off alerts' settings."""

from django.core import checks

from crm.checks import claim_outlives_redelivery


@checks.register()
def alert_claim_outlives_redelivery(app_configs, **kwargs):
    """Refuse an ALERT_CLAIM_TIMEOUT that ends before the broker may redeliver a claimed alert's task."""
    return claim_outlives_redelivery(setting="ALERT_CLAIM_TIMEOUT", check_id="handoffs.E001", what="hand-off alert")
