"""Events other apps may act on. leads knows nothing of its listeners (handoffs subscribes).

Senders only announce; receivers stay one service call long.
"""

from django.dispatch import Signal

# Sent after the commit that made a lead an MQL. kwargs: lead_id.
lead_became_mql = Signal()
# Sent inside the transaction that logged a call, e-mail or meeting. kwargs: lead_id, user_id, at.
contact_logged = Signal()
# Sent after the commit that made a batch of leads MQLs (an import). kwargs: lead_ids.
leads_became_mql = Signal()
