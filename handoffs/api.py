"""REST API of hand-offs: /api/v1/handoffs/, with accept and reject.

Marketing and managers create hand-offs; a rep answers only its own (managers any),
through handoffs.services like the inbox page. An answered hand-off answers 409.
"""

import django_filters
from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm import roles
from crm.roles import ApiPerm, Perm
from handoffs import services
from handoffs.models import Handoff
from leads.models import Lead

User = get_user_model()


class HandoffLeadSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Lead
        fields = ["id", "name", "email", "company", "status", "score", "fit"]
        read_only_fields = fields


class HandoffSerializer(serializers.ModelSerializer):
    lead = serializers.PrimaryKeyRelatedField(read_only=True)
    lead_summary = HandoffLeadSerializer(source="lead", read_only=True)
    assigned_to_username = serializers.SlugRelatedField(
        source="assigned_to", slug_field="username", read_only=True, allow_null=True
    )
    created_by_username = serializers.SlugRelatedField(
        source="created_by", slug_field="username", read_only=True, allow_null=True
    )
    # Blank until rejected: declared so that the schema allows the blank value.
    reject_reason = serializers.ChoiceField(choices=Handoff.RejectReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Handoff
        fields = [
            "id",
            "lead",
            "lead_summary",
            "created_by",
            "created_by_username",
            "assigned_to",
            "assigned_to_username",
            "context_note",
            "created_at",
            "accept_deadline",
            "over_capacity",
            "outcome",
            "responded_at",
            "responded_by",
            "reject_reason",
            "feedback",
            "first_contact_deadline",
            "first_contact_at",
        ]
        read_only_fields = fields


class HandoffCreateSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.all())
    context_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text="What sales should know."
    )


class RejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=Handoff.RejectReason.choices,
        help_text="not_ready recycles the lead to marketing; every other reason disqualifies it.",
    )
    feedback = serializers.CharField(max_length=5000, help_text="What was wrong with the lead, for marketing.")


class HandoffFilter(django_filters.FilterSet):
    outcome = django_filters.MultipleChoiceFilter(choices=Handoff.Outcome.choices)
    assigned_to = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    mine = django_filters.BooleanFilter(method="filter_mine", label="Assigned to me")

    class Meta:
        model = Handoff
        fields = ["outcome", "assigned_to", "lead", "over_capacity", "mine"]

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(assigned_to=user)


class HandoffPerm(ApiPerm):
    def has_object_permission(self, request, view, obj):
        if view.action in ("accept", "reject"):
            return roles.can_answer_handoff(request.user, obj)
        return True


ANSWERED = OpenApiResponse(description="The hand-off was already answered.")


@extend_schema_view(
    list=extend_schema(summary="List hand-offs", description="Newest first."),
    retrieve=extend_schema(summary="Get a hand-off"),
)
class HandoffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [HandoffPerm]
    read_perm = Perm.READ
    write_perm = Perm.CREATE_HANDOFFS
    action_perms = {"accept": Perm.ANSWER_HANDOFFS, "reject": Perm.ANSWER_HANDOFFS}
    serializer_class = HandoffSerializer
    filterset_class = HandoffFilter
    lookup_value_regex = r"[0-9]+"
    queryset = Handoff.objects.select_related("lead", "assigned_to", "created_by").order_by("-created_at", "-id")

    def _answer(self, handoff):
        fresh = self.get_queryset().get(pk=handoff.pk)
        return Response(HandoffSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Hand a lead to sales",
        description=(
            "Make the lead an MQL if it is new or recycled, and assign the next sales rep with room "
            "(round-robin). When nobody has room the hand-off waits unassigned. "
            "409 when the lead already has a pending hand-off; 400 when its status cannot be handed off."
        ),
        request=HandoffCreateSerializer,
        responses={
            201: HandoffSerializer,
            409: OpenApiResponse(description="The lead already has a hand-off waiting for an answer."),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = HandoffCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        handoff = services.handoff_create(actor=request.user, **serializer.validated_data)
        data = HandoffSerializer(self.get_queryset().get(pk=handoff.pk), context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept a hand-off",
        description="The lead becomes SAL and the assigned rep (or you) its owner.",
        request=None,
        responses={200: HandoffSerializer, 409: ANSWERED},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        handoff = self.get_object()
        services.handoff_accept(handoff=handoff, actor=request.user)
        return self._answer(handoff)

    @extend_schema(
        summary="Reject a hand-off",
        description=(
            "With a reason and feedback for marketing. `not_ready` recycles the lead to marketing; "
            "every other reason disqualifies it."
        ),
        request=RejectSerializer,
        responses={200: HandoffSerializer, 409: ANSWERED},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        handoff = self.get_object()
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.handoff_reject(handoff=handoff, actor=request.user, **serializer.validated_data)
        return self._answer(handoff)
