from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from crm import events, personal_data
        from integrations import erasure
        from integrations.models import EVENT_TYPES
        from integrations.services import deliveries_record

        # The lower apps announce through crm.events and never import this app.
        for event_type in EVENT_TYPES:
            events.subscribe(event_type, deliveries_record)
        # The privacy app exports and erases a person's deliveries through the kernel's registry.
        personal_data.register(self.label, export=erasure.person_deliveries, erase=erasure.person_deliveries_erase)
