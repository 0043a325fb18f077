from django.apps import AppConfig


class HandoffsConfig(AppConfig):
    name = "handoffs"
    verbose_name = "Hand-offs"

    def ready(self):
        from handoffs import checks, receivers  # noqa: F401  (checks registers the system checks)
        from handoffs.timeline import handoff_entries
        from leads.signals import contact_logged, lead_became_mql, leads_became_mql
        from leads.timeline import register_source

        lead_became_mql.connect(receivers.queue_handoff_for_new_mql, dispatch_uid=receivers.NEW_MQL_UID)
        leads_became_mql.connect(receivers.queue_handoffs_for_new_mqls, dispatch_uid=receivers.NEW_MQLS_UID)
        contact_logged.connect(receivers.stamp_first_contact, dispatch_uid=receivers.FIRST_CONTACT_UID)
        register_source(handoff_entries)
