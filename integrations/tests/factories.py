import factory

from integrations.models import EVENT_TYPES, WebhookEndpoint


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    url = "https://hooks.example.com/tandem"
    events = factory.LazyFunction(lambda: list(EVENT_TYPES))
