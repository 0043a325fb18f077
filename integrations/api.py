"""The webhooks API: managers register endpoints, rotate their secrets, read and resend their deliveries (same services
as the pages)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
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
            "previous_secret_expires_at",
        ]
        read_only_fields = [
            "id",
            "owner",
            "created_at",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "previous_secret_expires_at",
        ]
        extra_kwargs = {
            "previous_secret_expires_at": {
                "help_text": "Until when deliveries also carry a signature with the secret replaced by the last "
                "rotation (null: only the current secret signs)."
            }
        }


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="Signs the deliveries; shown in this answer only.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class EndpointRotatedSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="The new signing secret; shown in this answer only.")

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

    @extend_schema(
        summary="Rotate the endpoint's signing secret",
        description="Makes a new secret and answers it, once. For `WEBHOOK_SECRET_GRACE_HOURS` "
        "(`previous_secret_expires_at`) deliveries carry a second `v1` signature made with the replaced secret, "
        "so the receiver can switch without refusing a delivery. No body.",
        request=None,
        responses=EndpointRotatedSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = services.endpoint_rotate_secret(endpoint=self.get_object(), actor=request.user)
        return Response(EndpointRotatedSerializer(endpoint).data)

    @extend_schema(
        summary="Send one of the endpoint's deliveries again now",
        description="The same event id and body, signed anew; 400 when the endpoint is disabled or the person the "
        "delivery is about was erased, 404 for a delivery of another endpoint. No body.",
        parameters=[OpenApiParameter("delivery_id", int, OpenApiParameter.PATH, description="The delivery's id.")],
        request=None,
        responses={202: DeliverySerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/resend")
    def resend(self, request, pk=None, delivery_id=None):
        endpoint = self.get_object()
        delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, endpoint=endpoint)
        delivery.endpoint = endpoint
        services.delivery_resend(delivery=delivery, actor=request.user)
        delivery = selectors.endpoint_delivery(endpoint, delivery.pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
