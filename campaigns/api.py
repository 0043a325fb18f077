"""REST API of campaigns: /api/v1/campaigns/ with their variants and spend.

Campaigns are looked up by slug (the same key as their page and the `campaign` filter
of leads). Marketing and managers write; everyone signed in reads (crm.roles).
"""

import django_filters
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import APIException

from campaigns import services
from campaigns.models import CAMPAIGN_CHANNELS, Campaign, Spend, Variant
from crm.roles import ApiPerm, Perm

User = get_user_model()


class InUse(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "in_use"


class CampaignSerializer(serializers.ModelSerializer):
    channel = serializers.ChoiceField(choices=CAMPAIGN_CHANNELS)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="The marketer in charge (user id); default: you.",
    )
    owner_username = serializers.SlugRelatedField(
        source="owner", slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "slug",
            "name",
            "channel",
            "objective",
            "status",
            "start_date",
            "end_date",
            "budget",
            "owner",
            "owner_username",
            "audience_notes",
            "utm_campaign",
            "archived",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"budget": {"min_value": 0}, "audience_notes": {"max_length": 20000}}

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": "The end date cannot be before the start date."})
        return attrs


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Campaign.Status.choices)
    channel = django_filters.MultipleChoiceFilter(choices=CAMPAIGN_CHANNELS)

    class Meta:
        model = Campaign
        fields = ["status", "channel", "objective", "archived"]


@extend_schema_view(
    list=extend_schema(summary="List campaigns"),
    retrieve=extend_schema(summary="Get a campaign"),
    create=extend_schema(summary="Create a campaign", description="The owner defaults to you."),
    update=extend_schema(summary="Replace a campaign"),
    partial_update=extend_schema(summary="Edit a campaign"),
    destroy=extend_schema(
        summary="Delete a campaign",
        description=(
            "Only a campaign without history (no leads, touchpoints or spend) can be deleted; otherwise "
            '409: archive it instead (`PATCH {"archived": true}`), so past weeks keep their numbers.'
        ),
        responses={204: None, 409: OpenApiResponse(description="The campaign has history; archive it instead.")},
    ),
)
class CampaignViewSet(viewsets.ModelViewSet):
    permission_classes = [ApiPerm]
    read_perm = Perm.READ
    write_perm = Perm.WRITE_CAMPAIGNS
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    queryset = Campaign.objects.select_related("owner").order_by("-start_date", "name", "id")

    # Writes go through the services, so the API refuses what the pages refuse (a utm key
    # taken in another case, a date out of range) with the same words.
    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        fields.setdefault("owner", self.request.user)
        archived = fields.pop("archived", False)
        campaign = services.campaign_create(actor=self.request.user, **fields)
        serializer.instance = self._archive(campaign, archived)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        archived = changes.pop("archived", serializer.instance.archived)
        campaign = services.campaign_update(campaign=serializer.instance, actor=self.request.user, **changes)
        serializer.instance = self._archive(campaign, archived)

    def _archive(self, campaign, archived):
        if archived and not campaign.archived:
            return services.campaign_archive(campaign=campaign, actor=self.request.user)
        if campaign.archived and not archived:
            return services.campaign_restore(campaign=campaign, actor=self.request.user)
        return campaign

    def perform_destroy(self, instance):
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update().get(pk=instance.pk)
            if (
                campaign.first_touch_leads.exists()
                or campaign.last_touch_leads.exists()
                or campaign.touchpoints.exists()
                or campaign.spend.exists()
            ):
                raise InUse("This campaign has leads, touchpoints or spend. Archive it instead.")
            campaign.delete()


CAMPAIGN_SLUG = OpenApiParameter(
    "campaign_slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The campaign's slug."
)


class CampaignChildViewSet(viewsets.ModelViewSet):
    """Rows that belong to one campaign, named by the URL's campaign slug."""

    permission_classes = [ApiPerm]
    read_perm = Perm.READ
    write_perm = Perm.WRITE_CAMPAIGNS
    filterset_class = None
    lookup_value_regex = r"[0-9]+"

    @property
    def campaign(self):
        if not hasattr(self, "_campaign"):
            self._campaign = get_object_or_404(Campaign, slug=self.kwargs["campaign_slug"])
        return self._campaign

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "campaign_slug" in self.kwargs:
            context["campaign"] = self.campaign
        return context

    def get_queryset(self):
        return self.queryset.filter(campaign=self.campaign)

    def perform_create(self, serializer):
        serializer.instance = self.create_row(serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.update_row(serializer.instance, serializer.validated_data)


class VariantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Variant
        fields = ["id", "name", "utm_content", "description"]
        read_only_fields = ["id"]
        extra_kwargs = {"description": {"max_length": 20000}}

    def validate(self, attrs):
        campaign = self.context["campaign"]
        others = Variant.objects.filter(campaign=campaign)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        errors = {}
        if "name" in attrs and others.filter(name__iexact=attrs["name"]).exists():
            errors["name"] = "This campaign already has a variant of this name."
        if "utm_content" in attrs and others.filter(utm_content__iexact=attrs["utm_content"]).exists():
            errors["utm_content"] = "This campaign already has a variant with this utm_content."
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


@extend_schema_view(
    list=extend_schema(summary="List a campaign's variants", parameters=[CAMPAIGN_SLUG]),
    retrieve=extend_schema(summary="Get a variant", parameters=[CAMPAIGN_SLUG]),
    create=extend_schema(summary="Add a variant", parameters=[CAMPAIGN_SLUG]),
    update=extend_schema(summary="Replace a variant", parameters=[CAMPAIGN_SLUG]),
    partial_update=extend_schema(summary="Edit a variant", parameters=[CAMPAIGN_SLUG]),
    destroy=extend_schema(
        summary="Delete a variant",
        description="Only a variant no touchpoint names can be deleted (409 otherwise).",
        parameters=[CAMPAIGN_SLUG],
        responses={204: None, 409: OpenApiResponse(description="Touchpoints name this variant.")},
    ),
)
class VariantViewSet(CampaignChildViewSet):
    """A campaign's A/B concepts, matched to touchpoints by utm_content."""

    serializer_class = VariantSerializer
    queryset = Variant.objects.order_by("name", "id")

    def create_row(self, data):
        return services.variant_create(campaign=self.campaign, actor=self.request.user, **data)

    def update_row(self, variant, data):
        fields = {name: data.get(name, getattr(variant, name)) for name in ("name", "utm_content", "description")}
        return services.variant_update(variant=variant, actor=self.request.user, **fields)

    def perform_destroy(self, instance):
        with transaction.atomic():
            variant = Variant.objects.select_for_update().get(pk=instance.pk)
            if variant.touchpoints.exists():
                raise InUse("Touchpoints name this variant; it is kept for their attribution.")
            variant.delete()


class SpendSerializer(serializers.ModelSerializer):
    class Meta:
        model = Spend
        fields = ["id", "date", "amount", "note", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"amount": {"min_value": 0}}


@extend_schema_view(
    list=extend_schema(summary="List a campaign's spend", description="Newest date first.", parameters=[CAMPAIGN_SLUG]),
    retrieve=extend_schema(summary="Get a spend entry", parameters=[CAMPAIGN_SLUG]),
    create=extend_schema(summary="Log spend", parameters=[CAMPAIGN_SLUG]),
    update=extend_schema(summary="Replace a spend entry", parameters=[CAMPAIGN_SLUG]),
    partial_update=extend_schema(summary="Correct a spend entry", parameters=[CAMPAIGN_SLUG]),
    destroy=extend_schema(summary="Delete a spend entry", parameters=[CAMPAIGN_SLUG]),
)
class SpendViewSet(CampaignChildViewSet):
    """What a campaign actually cost, per day: the cost figures of every week come from it."""

    serializer_class = SpendSerializer
    queryset = Spend.objects.order_by("-date", "-id")

    def create_row(self, data):
        return services.spend_add(campaign=self.campaign, actor=self.request.user, **data)

    def update_row(self, spend, data):
        fields = {name: data.get(name, getattr(spend, name)) for name in ("date", "amount", "note")}
        return services.spend_update(spend=spend, actor=self.request.user, **fields)
