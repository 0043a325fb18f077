"""handoffs listens to leads' events: each receiver is one call."""

import logging

from handoffs import services, tasks

logger = logging.getLogger(__name__)
# The receivers' dispatch uids (apps.py connects them; the demo seeder pauses one).
NEW_MQL_UID = "handoffs.new_mql"
NEW_MQLS_UID = "handoffs.new_mqls"
FIRST_CONTACT_UID = "handoffs.first_contact"


def queue_handoff_for_new_mql(sender, lead_id, **kwargs):
    """Queue the hand-off of a lead that became an MQL (made here and now when the broker is down)."""
    try:
        tasks.handoff_for_new_mql.delay(lead_id)
    except Exception:  # kombu/redis connection errors: the lead is committed; its hand-off must not be lost
        logger.warning("Broker unavailable: creating the hand-off of lead %s in-process.", lead_id, exc_info=True)
        services.handoff_for_new_mql(lead_id=lead_id)


def queue_handoffs_for_new_mqls(sender, lead_ids, **kwargs):
    """Queue the hand-offs of a batch of new MQLs as one task (made here and now when the broker is down)."""
    try:
        tasks.handoffs_for_new_mqls.delay(list(lead_ids))
    except Exception:  # as above: the leads are committed; their hand-offs must not be lost
        logger.warning("Broker unavailable: creating %s hand-offs in-process.", len(lead_ids), exc_info=True)
        services.handoffs_for_new_mqls(lead_ids=lead_ids)


def stamp_first_contact(sender, lead_id, user_id, at, **kwargs):
    """Record the owner's first contact after a hand-off."""
    services.handoff_record_first_contact(lead_id=lead_id, user_id=user_id, at=at)
