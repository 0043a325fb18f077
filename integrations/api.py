"""The webhooks API: managers register endpoints and read their deliveries (same services as the pages)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.roles import ApiPerm, Perm
from integrations import selectors, services
from integrations.models import EVENT_TYPES, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES), allow_empty=False)
    owner_username = serializers.SlugRelatedField(
        source="owner", slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "format",
            "active",
            "owner",
            "owner_username",
            "created_at",
            "failing_since",
            "disabled_at",
            "disabled_reason",
        ]
        read_only_fields = ["id", "owner", "created_at", "failing_since", "disabled_at", "disabled_reason"]


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="Signs the deliveries; shown in this answer only.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["at", "status_code", "ok", "error", "response_excerpt"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event_id", "event_type", "state", "attempts", "created_at", "next_attempt_at"]
        fields += ["delivered_at", "attempt_log"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints"),
    retrieve=extend_schema(summary="Get a webhook endpoint"),
    create=extend_schema(
        summary="Register a webhook endpoint",
        description="The answer carries the signing secret, once. Private and loopback hosts are refused.",
        responses={201: EndpointCreatedSerializer},
    ),
    partial_update=extend_schema(summary="Edit a webhook endpoint", description="`active: true` re-enables it."),
    destroy=extend_schema(summary="Delete a webhook endpoint with its delivery log"),
)
class EndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ApiPerm]
    read_perm = Perm.MANAGE_WEBHOOKS
    write_perm = Perm.MANAGE_WEBHOOKS
    serializer_class = EndpointSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.endpoint_list().order_by("-created_at", "-pk")

    def create(self, request, *args, **kwargs):
        serializer = EndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(actor=request.user, **serializer.validated_data)
        return Response(EndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        services.endpoint_update(endpoint=serializer.instance, actor=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.endpoint_delete(endpoint=instance, actor=self.request.user)

    @extend_schema(
        summary="The endpoint's latest deliveries with their attempts", responses=DeliverySerializer(many=True)
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        return Response(DeliverySerializer(selectors.endpoint_deliveries(endpoint), many=True).data)
