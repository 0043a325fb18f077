"""REST API of leads: /api/v1/leads/, their transitions, activities and capture forms.

Views are thin: they check the role policy (crm.roles), validate the shape of the input
and call leads.services, the same functions the pages call. Service errors (StaleLead,
InvalidTransition, ValidationError) become 409/400 JSON in crm.api_errors.
"""

from urllib.parse import urlsplit

import django_filters
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from campaigns.models import Campaign
from crm import roles
from crm.roles import ApiPerm, Perm
from leads import selectors, services
from leads.capture import check_consent
from leads.filters import LeadFilter
from leads.models import Activity, CaptureForm, Lead, Touchpoint

User = get_user_model()


# --- Leads ----------------------------------------------------------------------------


class ConsentSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    version = serializers.CharField()
    text = serializers.CharField()
    page = serializers.CharField(help_text="The page the form was on (its page_url).")


class LeadSerializer(serializers.ModelSerializer):
    """A lead as the API shows it. Status, score and attribution are never written here."""

    first_touch_campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    last_touch_campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    owner_username = serializers.SlugRelatedField(
        source="owner", slug_field="username", read_only=True, allow_null=True
    )
    # Blank until lost: declared so that the schema allows the blank value.
    lost_reason = serializers.ChoiceField(choices=Lead.LostReason.choices, allow_blank=True, read_only=True)
    consent = serializers.SerializerMethodField(
        help_text="The latest consent given on a capture form (time, text version, text, source page), or null."
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "company",
            "title",
            "industry",
            "company_size",
            "country",
            "source",
            "first_touch_campaign",
            "last_touch_campaign",
            "status",
            "score",
            "fit",
            "owner",
            "owner_username",
            "deal_value",
            "lost_reason",
            "created_at",
            "updated_at",
            "status_changed_at",
            "version",
            "consent",
        ]
        read_only_fields = fields

    @extend_schema_field(ConsentSerializer(allow_null=True))
    def get_consent(self, lead):
        consent = selectors.lead_consent(lead)
        return ConsentSerializer(consent).data if consent else None


class RefuseStatusMixin:
    """Say where status changes go instead of silently ignoring a `status` in the body."""

    def validate(self, attrs):
        if "status" in self.initial_data:
            raise serializers.ValidationError(
                {"status": "Status changes only through POST /api/v1/leads/{id}/transition/."}
            )
        return attrs


class LeadCreateSerializer(RefuseStatusMixin, serializers.Serializer):
    """What a script may send to capture a lead: the capture contract's fields plus a campaign."""

    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    company_size = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False, allow_null=True)
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. DE."
    )
    utm_source = serializers.CharField(max_length=200, required=False, allow_blank=True)
    utm_medium = serializers.CharField(max_length=200, required=False, allow_blank=True)
    utm_campaign = serializers.CharField(max_length=200, required=False, allow_blank=True)
    utm_content = serializers.CharField(max_length=200, required=False, allow_blank=True)
    utm_term = serializers.CharField(max_length=200, required=False, allow_blank=True)
    page_url = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    campaign = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Campaign.objects.all(),
        required=False,
        allow_null=True,
        help_text="Campaign to attribute the touch to when utm_campaign names none.",
    )


class LeadUpdateSerializer(RefuseStatusMixin, serializers.Serializer):
    """The profile fields a PATCH may change, and the version the caller last saw."""

    email = serializers.EmailField(max_length=254, required=False)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    company_size = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False, allow_null=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    version = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        required=False,
        help_text="The lead's version you edited. When given and no longer current the change is refused with 409.",
    )


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Lead.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    deal_value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Required (above zero) when moving to won.",
    )
    lost_reason = serializers.ChoiceField(
        choices=Lead.LostReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when moving to lost.",
    )
    version = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        required=False,
        help_text="The lead's version you saw. When given and no longer current the move is refused with 409.",
    )


class LeadCursorPagination(CursorPagination):
    """Cursor pages, newest first by default; the filter's `ordering` values are honoured too."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # The filter's public ordering names (shared with the list page) and the columns behind them.
    ORDERING_FIELDS = {"created": "created_at", "score": "score", "moved": "status_changed_at", "company": "company"}

    def get_ordering(self, request, queryset, view):
        requested = []
        for term in request.query_params.get("ordering", "").split(","):
            term = term.strip()
            column = self.ORDERING_FIELDS.get(term.lstrip("-"))
            if column:
                requested.append(f"-{column}" if term.startswith("-") else column)
        if not requested:
            return self.ordering
        # The id breaks ties, so a page boundary never skips or repeats a lead.
        last = requested[-1]
        return (*requested, "-id" if last.startswith("-") else "id")


class LeadPerm(ApiPerm):
    """The role policy for leads, plus its object rules (crm.roles decides both)."""

    def has_object_permission(self, request, view, obj):
        if view.action == "transition":
            return roles.can_work_lead(request.user, obj)
        if view.action == "partial_update":
            return roles.can_edit_lead(request.user, obj)
        return True


def _lead_queryset():
    return selectors.with_consent(Lead.objects.select_related("owner", "first_touch_campaign", "last_touch_campaign"))


@extend_schema_view(
    list=extend_schema(
        summary="List leads",
        description=(
            "The same filters as the lead list page. Cursor-paginated, newest first "
            "(`-created_at`, `-id`) unless `ordering` asks otherwise."
        ),
    ),
    retrieve=extend_schema(summary="Get a lead"),
)
class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [LeadPerm]
    read_perm = Perm.READ
    write_perm = Perm.CREATE_LEADS
    # Object rules (owner or manager) are checked in LeadPerm.has_object_permission.
    action_perms = {"transition": Perm.WORK_LEADS, "partial_update": Perm.READ}
    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    pagination_class = LeadCursorPagination
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return _lead_queryset()

    @extend_schema(
        summary="Capture a lead",
        description=(
            "Find or create the lead of this e-mail, as a website form would, recording an API touchpoint. "
            "A new e-mail answers **201** with the new lead; a known e-mail answers **200** with the existing "
            "lead, whose blank profile fields are filled in and to which a touchpoint is added. "
            "A lead whose score reaches the MQL threshold becomes an MQL and is handed to sales."
        ),
        request=LeadCreateSerializer,
        responses={
            201: OpenApiResponse(LeadSerializer, description="A new lead was created."),
            200: OpenApiResponse(LeadSerializer, description="The e-mail was known: a touchpoint was added."),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = LeadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        campaign = data.pop("campaign", None)
        result = services.lead_capture(data=data, kind=Touchpoint.Kind.API, campaign=campaign, actor=request.user)
        lead = _lead_queryset().get(pk=result.lead.pk)
        return Response(
            LeadSerializer(lead, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Edit a lead's profile",
        description=(
            "Change profile fields (not status, owner or score: status moves only through `transition/`). "
            "Send `version` to refuse the change with 409 when someone else changed the lead meanwhile; "
            "without it the change is applied to the current version."
        ),
        request=LeadUpdateSerializer,
        responses={200: LeadSerializer, 409: OpenApiResponse(description="The lead changed since `version`.")},
    )
    def partial_update(self, request, *args, **kwargs):
        lead = self.get_object()
        serializer = LeadUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        if changes:
            services.lead_update(lead=lead, actor=request.user, version=version, **changes)
        elif version is not None and version != lead.version:
            # Nothing to write, but a stale caller still learns that it is stale.
            raise services.StaleLead(lead)
        return Response(LeadSerializer(_lead_queryset().get(pk=lead.pk), context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Move a lead along the lifecycle",
        description=(
            "The one way to change a lead's status, through the same rules as the pages: the lifecycle table, "
            "a deal value above zero for won, a lost reason for lost. 400 with field messages when refused; "
            "409 with the lead's current `version` when `version` is stale."
        ),
        request=TransitionSerializer,
        responses={200: LeadSerializer, 409: OpenApiResponse(description="The lead changed since `version`.")},
        examples=[
            OpenApiExample("Qualify", value={"to_status": "sql", "note": "Budget confirmed.", "version": 3}),
            OpenApiExample("Win", value={"to_status": "won", "deal_value": "12000.00", "version": 4}),
        ],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        lead = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.lead_transition(lead=lead, actor=request.user, **serializer.validated_data)
        return Response(LeadSerializer(_lead_queryset().get(pk=lead.pk), context=self.get_serializer_context()).data)


# --- Activities -------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    user_username = serializers.SlugRelatedField(source="user", slug_field="username", read_only=True, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Tasks only: who does it (default: you).",
    )
    occurred_at = serializers.DateTimeField(
        required=False,
        help_text="When it happened (default: now); not before the lead existed, not in the future. "
        "The service level counts from recorded_at, the server's time.",
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Tasks only, and required for them.")

    class Meta:
        model = Activity
        fields = [
            "id",
            "lead",
            "kind",
            "user",
            "user_username",
            "subject",
            "body",
            "occurred_at",
            "recorded_at",
            "assignee",
            "due_at",
            "done_at",
        ]
        read_only_fields = ["id", "lead", "user", "recorded_at", "done_at"]
        extra_kwargs = {"subject": {"max_length": 200}, "body": {"max_length": 20000}}

    def validate(self, attrs):
        # The service's own checks, so the API answers field by field as the page does.
        view = self.context["view"]
        errors = services.activity_problems(
            lead=view.lead, occurred_at=attrs.get("occurred_at"), due_at=attrs.get("due_at")
        )
        if attrs.get("kind") == Activity.Kind.TASK:
            errors.update(
                services.assignee_problems(actor=self.context["request"].user, assignee=attrs.get("assignee"))
            )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ActivityPerm(ApiPerm):
    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method == "POST":
            # The object rule: sales log activities only on the leads they own.
            return roles.can_work_lead(request.user, view.lead)
        return True


@extend_schema_view(
    list=extend_schema(summary="List a lead's activities", description="Newest first."),
    create=extend_schema(
        summary="Log an activity on a lead",
        description=(
            "A call, e-mail, meeting or note (subject or body required), or a task (due_at required). "
            "The owner's first call, e-mail or meeting after an accepted hand-off is its first contact."
        ),
    ),
)
class ActivityViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [ActivityPerm]
    read_perm = Perm.READ
    write_perm = Perm.WORK_LEADS
    serializer_class = ActivitySerializer
    filterset_class = None
    queryset = Activity.objects.none()  # for the schema; get_queryset scopes to the lead

    @property
    def lead(self):
        if not hasattr(self, "_lead"):
            self._lead = get_object_or_404(Lead, pk=self.kwargs["lead_pk"])
        return self._lead

    def get_queryset(self):
        return Activity.objects.filter(lead=self.lead).select_related("user")

    def perform_create(self, serializer):
        data = serializer.validated_data
        activity = services.activity_log(
            lead=self.lead,
            actor=self.request.user,
            kind=data["kind"],
            subject=data.get("subject", ""),
            body=data.get("body", ""),
            occurred_at=data.get("occurred_at"),
            assignee=data.get("assignee"),
            due_at=data.get("due_at"),
        )
        serializer.instance = activity


# --- Capture forms --------------------------------------------------------------------


class OriginListField(serializers.ListField):
    """The form's allowed origins as a list; stored one per line."""

    child = serializers.CharField(max_length=200)

    def to_representation(self, value):
        return CaptureForm(allowed_origins=value).origin_list()

    def to_internal_value(self, data):
        origins = super().to_internal_value(data)
        cleaned, errors = [], []
        for origin in origins:
            origin = origin.strip().rstrip("/")
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
                errors.append(f"{origin!r} is not an origin such as https://www.example.com.")
            else:
                cleaned.append(origin)
        if errors:
            raise serializers.ValidationError(errors)
        return "\n".join(dict.fromkeys(cleaned))


class CaptureFormSerializer(serializers.ModelSerializer):
    campaign = serializers.SlugRelatedField(
        slug_field="slug", queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    allowed_origins = OriginListField(
        required=False,
        help_text="Origins whose pages may post to the form, e.g. https://www.example.com. Empty: same-origin only.",
    )
    created_by_username = serializers.SlugRelatedField(
        source="created_by", slug_field="username", read_only=True, allow_null=True
    )
    capture_url = serializers.SerializerMethodField(help_text="Where the website form posts.")
    consent_version = serializers.CharField(read_only=True, help_text="Digest of the consent text; changes with it.")

    class Meta:
        model = CaptureForm
        fields = [
            "id",
            "name",
            "key",
            "campaign",
            "allowed_origins",
            "enabled",
            "consent_required",
            "consent_text",
            "consent_version",
            "capture_url",
            "created_by",
            "created_by_username",
            "created_at",
        ]
        read_only_fields = ["id", "created_by", "created_at"]
        extra_kwargs = {"key": {"required": False, "help_text": "Public key in the form's URL; generated if omitted."}}

    def validate(self, attrs):
        current = {f: getattr(self.instance, f) for f in ("consent_required", "consent_text")} if self.instance else {}
        check_consent({**current, **attrs})  # a Django ValidationError: the API answers 400 with the field
        return attrs

    @extend_schema_field(OpenApiTypes.STR)
    def get_capture_url(self, form):
        return f"/api/v1/capture/{form.key}/"

    def create(self, validated_data):
        if not validated_data.get("key"):
            validated_data["key"] = CaptureForm.new_key()
        return super().create(validated_data)


class CaptureFormFilter(django_filters.FilterSet):
    campaign = django_filters.ModelChoiceFilter(queryset=Campaign.objects.all(), to_field_name="slug")

    class Meta:
        model = CaptureForm
        fields = ["enabled", "campaign"]


@extend_schema_view(
    list=extend_schema(summary="List capture forms"),
    retrieve=extend_schema(summary="Get a capture form"),
    create=extend_schema(summary="Create a capture form", description="The key is generated when omitted."),
    update=extend_schema(summary="Replace a capture form"),
    partial_update=extend_schema(summary="Edit a capture form"),
    destroy=extend_schema(summary="Delete a capture form", description="Its past touchpoints are kept."),
)
class CaptureFormViewSet(viewsets.ModelViewSet):
    """Website forms that post leads to /api/v1/capture/<key>/; looked up by id (the key may change)."""

    permission_classes = [ApiPerm]
    read_perm = Perm.READ
    write_perm = Perm.MANAGE_FORMS
    serializer_class = CaptureFormSerializer
    filterset_class = CaptureFormFilter
    lookup_value_regex = r"[0-9]+"
    queryset = CaptureForm.objects.select_related("campaign", "created_by").order_by("name", "id")

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)
