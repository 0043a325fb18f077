"""The role policy as the tests expect it, written from the README (Lifecycle and roles) — not read from crm/roles.py,
so that a wrong line in the code cannot make its own test pass.

Every URL pattern of the URLconf and every operation of the OpenAPI schema must have an entry
here. A pattern without one fails the walk with a message naming it: a new page cannot ship
without someone deciding who may open it.
"""

from dataclasses import dataclass

# Who is who in tests/security/world.py: sales (sid) owns ``lead`` and is assigned ``handoff``;
# sales2 (sue) is the other rep; norole is signed in with no group.
ANYONE = frozenset({"anonymous", "marketing", "sales", "sales2", "managers", "norole"})
SIGNED_IN = ANYONE - {"anonymous"}
READERS = frozenset({"marketing", "sales", "sales2", "managers"})  # everyone with a role reads
MARKETERS = frozenset({"marketing", "managers"})  # campaigns, spend, forms, scoring, imports, hand-off creation
REPS = frozenset({"sales", "sales2", "managers"})  # capability to work leads (any lead of one's own)
OWNER = frozenset({"sales", "managers"})  # object rule: sid owns ``lead`` / is assigned ``handoff``; sue is not
OWNER_OR_MARKETING = OWNER | {"marketing"}  # profile edits: the lead's worker, or marketing who creates leads
MANAGERS = frozenset({"managers"})
NOBODY = frozenset()


@dataclass(frozen=True)
class Page:
    """Who may GET and who may POST a page; ``None`` means the view does not serve that method.

    ``obj`` names the world object that fills the pattern's ``pk``; ``get_ok`` is what an allowed
    GET answers (200 unless a page redirects by design).
    """

    get: frozenset | None = None
    post: frozenset | None = None
    obj: str | None = None
    get_ok: tuple = (200,)
    signs_out: bool = False  # an allowed POST ends the session and redirects to sign-in


PAGES = {
    # Public: sign-in, password reset, health.
    "login": Page(get=ANYONE, post=ANYONE),
    "healthz": Page(get=ANYONE),
    "password_reset": Page(get=ANYONE, post=ANYONE),
    "password_reset_done": Page(get=ANYONE),
    "password_reset_confirm": Page(get=ANYONE, post=ANYONE),
    "password_reset_complete": Page(get=ANYONE),
    # One's own account, role or not.
    "logout": Page(post=SIGNED_IN, signs_out=True),
    "password_change": Page(get=SIGNED_IN, post=SIGNED_IN),
    "password_change_done": Page(get=SIGNED_IN),
    "api-token": Page(get=READERS, post=READERS),
    "alert-settings": Page(get=READERS, post=READERS),
    # Dashboard, team, digests.
    "home": Page(get=READERS),
    "dashboard-campaigns-csv": Page(get=READERS),
    "team-settings": Page(get=MANAGERS, post=MANAGERS),
    "digest-list": Page(get=READERS),
    "digest-detail": Page(get=READERS, obj="digest"),
    "digest-resend": Page(post=MANAGERS, obj="digest"),
    "digest-preview": Page(get=MANAGERS),
    # Campaigns.
    "campaigns:list": Page(get=READERS),
    "campaigns:export": Page(get=READERS),
    "campaigns:create": Page(get=MARKETERS, post=MARKETERS),
    "campaigns:edit": Page(get=MARKETERS, post=MARKETERS),
    "campaigns:archive": Page(post=MARKETERS),
    "campaigns:restore": Page(post=MARKETERS),
    "campaigns:delete": Page(get=MARKETERS, post=MARKETERS),
    "campaigns:spend-section": Page(get=READERS),
    "campaigns:spend-add": Page(post=MARKETERS),
    "campaigns:spend-edit": Page(get=MARKETERS, post=MARKETERS, obj="spend"),
    "campaigns:spend-delete": Page(post=MARKETERS, obj="spend"),
    "campaigns:variant-add": Page(post=MARKETERS),
    "campaigns:variant-edit": Page(get=MARKETERS, post=MARKETERS, obj="variant"),
    "campaigns:variant-delete": Page(post=MARKETERS, obj="variant"),
    "marketing:campaign-detail": Page(get=READERS),
    "marketing:campaign-ab": Page(get=READERS),
    "marketing:feedback": Page(get=READERS),
    # Capture forms, imports, scoring (marketing's setup; everyone reads forms and scoring).
    "leads:capture_form_list": Page(get=READERS),
    "leads:capture_form_detail": Page(get=READERS, obj="capture_form"),
    "leads:capture_form_create": Page(get=MARKETERS, post=MARKETERS),
    "leads:capture_form_edit": Page(get=MARKETERS, post=MARKETERS, obj="capture_form"),
    "leads:capture_form_toggle": Page(post=MARKETERS, obj="capture_form"),
    "leads:import_upload": Page(get=MARKETERS, post=MARKETERS),
    "leads:import_detail": Page(get=MARKETERS, obj="import_job"),
    "leads:import_progress": Page(get=MARKETERS, obj="import_job"),
    "leads:import_errors": Page(get=MARKETERS, obj="import_job"),
    "leads:scoring": Page(get=READERS),
    "leads:scoring_icp": Page(get=MARKETERS, post=MARKETERS),
    "leads:scoring_rule_create": Page(get=MARKETERS, post=MARKETERS),
    "leads:scoring_rule_edit": Page(get=MARKETERS, post=MARKETERS, obj="scoring_rule"),
    "leads:scoring_rule_delete": Page(get=MARKETERS, post=MARKETERS, obj="scoring_rule"),
    "leads:scoring_rule_toggle": Page(post=MARKETERS, obj="scoring_rule"),
    # Leads.
    "leads:list": Page(get=READERS),
    "leads:export": Page(get=READERS),
    "leads:create": Page(get=MARKETERS, post=MARKETERS),
    "leads:today": Page(get=REPS),
    "leads:detail": Page(get=READERS, obj="lead"),
    "leads:edit": Page(get=OWNER_OR_MARKETING, post=OWNER_OR_MARKETING, obj="lead"),
    "leads:move": Page(post=OWNER, obj="lead"),
    "leads:log_activity": Page(post=OWNER, obj="lead"),
    "leads:add_task": Page(post=OWNER, obj="lead"),
    "leads:merge": Page(get=OWNER, post=OWNER, obj="lead"),
    "leads:task_done": Page(post=OWNER, obj="task"),
    # Hand-offs.
    "handoffs:inbox": Page(get=READERS),
    "handoffs:inbox_updates": Page(get=READERS),
    "handoffs:export": Page(get=READERS),
    "handoffs:create": Page(get=MARKETERS, post=MARKETERS),
    "handoffs:accept": Page(post=OWNER, obj="handoff"),
    "handoffs:reject": Page(get=OWNER, post=OWNER, obj="handoff"),
    "handoffs:assign": Page(post=MANAGERS, obj="handoff"),
    "handoffs:reps": Page(get=MANAGERS),
    "handoffs:rep_update": Page(post=MANAGERS),
    "handoffs:pipeline": Page(get=REPS),
    "handoffs:pipeline_move": Page(post=OWNER),
    # Outbound webhooks (integrations): managers only.
    "integrations:endpoint_list": Page(get=MANAGERS),
    "integrations:endpoint_create": Page(get=MANAGERS, post=MANAGERS),
    "integrations:endpoint_detail": Page(get=MANAGERS, obj="webhook_endpoint"),
    "integrations:endpoint_edit": Page(get=MANAGERS, post=MANAGERS, obj="webhook_endpoint"),
    "integrations:endpoint_rotate": Page(post=MANAGERS, obj="webhook_endpoint"),
    "integrations:endpoint_delete": Page(post=MANAGERS, obj="webhook_endpoint"),
    "integrations:delivery_resend": Page(post=MANAGERS, obj="webhook_delivery"),
    # The audit trail and a person's data (privacy/): managers only.
    "privacy:audit-list": Page(get=MANAGERS),
    "privacy:audit-export": Page(get=MANAGERS),
    "privacy:home": Page(get=MANAGERS),
    "privacy:export": Page(get=MANAGERS, obj="lead"),
    "privacy:erase": Page(get=MANAGERS, post=MANAGERS, obj="lead"),
    # API documentation (the schema describes the contract; it holds no data).
    "schema": Page(get=ANYONE),
    "swagger-ui": Page(get=ANYONE),
    "api-docs": Page(get=ANYONE),
    # The public capture endpoint and the API root are checked by test_access_api.py.
}

# URL names under /api/ that the OpenAPI walk covers instead (their operations are in the schema),
# and the capture endpoint, which is public and has its own tests (tests/security/test_bad_input.py).
API_PREFIX = "api/v1/"

# Values for the path converters, by keyword name; ``pk`` comes from the entry's ``obj``.
KWARG_VALUES = {
    "slug": lambda world: world.campaign.slug,
    "campaign_slug": lambda world: world.campaign.slug,
    "lead_pk": lambda world: world.lead.pk,
    "lead_id": lambda world: world.lead.pk,
    "user_id": lambda world: world.users["sales"].pk,
    "form_key": lambda world: world.capture_form.key,
    "key": lambda world: world.capture_form.key,
    "week": lambda world: "2026-W10",
    "uidb64": lambda world: "MQ",
    "token": lambda world: "set-password",
    "delivery_id": lambda world: world.webhook_delivery.pk,
}


@dataclass(frozen=True)
class Operation:
    """Who may call an API operation; ``obj`` fills ``{id}``/``{pk}``, ``ok`` lists allowed answers."""

    who: frozenset
    obj: str | None = None


# Keyed by (METHOD, schema path). Write operations by the permitted roles are sent with an empty
# body: they must answer 4xx with field errors (or succeed), never 5xx.
OPERATIONS = {
    ("GET", "/api/v1/leads/"): Operation(READERS),
    ("POST", "/api/v1/leads/"): Operation(MARKETERS),
    ("GET", "/api/v1/leads/{id}/"): Operation(READERS, obj="lead"),
    ("PATCH", "/api/v1/leads/{id}/"): Operation(OWNER_OR_MARKETING, obj="lead"),
    ("POST", "/api/v1/leads/{id}/transition/"): Operation(OWNER, obj="lead"),
    ("GET", "/api/v1/leads/{lead_pk}/activities/"): Operation(READERS),
    ("POST", "/api/v1/leads/{lead_pk}/activities/"): Operation(OWNER),
    ("GET", "/api/v1/campaigns/"): Operation(READERS),
    ("POST", "/api/v1/campaigns/"): Operation(MARKETERS),
    ("GET", "/api/v1/campaigns/{slug}/"): Operation(READERS),
    ("PUT", "/api/v1/campaigns/{slug}/"): Operation(MARKETERS),
    ("PATCH", "/api/v1/campaigns/{slug}/"): Operation(MARKETERS),
    ("DELETE", "/api/v1/campaigns/{slug}/"): Operation(MARKETERS),
    ("GET", "/api/v1/campaigns/{campaign_slug}/variants/"): Operation(READERS),
    ("POST", "/api/v1/campaigns/{campaign_slug}/variants/"): Operation(MARKETERS),
    ("GET", "/api/v1/campaigns/{campaign_slug}/variants/{id}/"): Operation(READERS, obj="variant"),
    ("PUT", "/api/v1/campaigns/{campaign_slug}/variants/{id}/"): Operation(MARKETERS, obj="variant"),
    ("PATCH", "/api/v1/campaigns/{campaign_slug}/variants/{id}/"): Operation(MARKETERS, obj="variant"),
    ("DELETE", "/api/v1/campaigns/{campaign_slug}/variants/{id}/"): Operation(MARKETERS, obj="variant"),
    ("GET", "/api/v1/campaigns/{campaign_slug}/spend/"): Operation(READERS),
    ("POST", "/api/v1/campaigns/{campaign_slug}/spend/"): Operation(MARKETERS),
    ("GET", "/api/v1/campaigns/{campaign_slug}/spend/{id}/"): Operation(READERS, obj="spend"),
    ("PUT", "/api/v1/campaigns/{campaign_slug}/spend/{id}/"): Operation(MARKETERS, obj="spend"),
    ("PATCH", "/api/v1/campaigns/{campaign_slug}/spend/{id}/"): Operation(MARKETERS, obj="spend"),
    ("DELETE", "/api/v1/campaigns/{campaign_slug}/spend/{id}/"): Operation(MARKETERS, obj="spend"),
    ("GET", "/api/v1/handoffs/"): Operation(READERS),
    ("GET", "/api/v1/handoffs/{id}/"): Operation(READERS, obj="handoff"),
    ("POST", "/api/v1/handoffs/"): Operation(MARKETERS),
    ("POST", "/api/v1/handoffs/{id}/accept/"): Operation(OWNER, obj="handoff"),
    ("POST", "/api/v1/handoffs/{id}/reject/"): Operation(OWNER, obj="handoff"),
    ("POST", "/api/v1/handoffs/{id}/assign/"): Operation(MANAGERS, obj="handoff"),
    ("GET", "/api/v1/forms/"): Operation(READERS),
    ("POST", "/api/v1/forms/"): Operation(MARKETERS),
    ("GET", "/api/v1/forms/{id}/"): Operation(READERS, obj="capture_form"),
    ("PUT", "/api/v1/forms/{id}/"): Operation(MARKETERS, obj="capture_form"),
    ("PATCH", "/api/v1/forms/{id}/"): Operation(MARKETERS, obj="capture_form"),
    ("DELETE", "/api/v1/forms/{id}/"): Operation(MARKETERS, obj="capture_form"),
    ("GET", "/api/v1/reports/weekly/"): Operation(READERS),
    ("POST", "/api/v1/capture/{form_key}/"): Operation(ANYONE),
    # Outbound webhooks (integrations): managers only.
    ("GET", "/api/v1/webhooks/"): Operation(MANAGERS),
    ("POST", "/api/v1/webhooks/"): Operation(MANAGERS),
    ("GET", "/api/v1/webhooks/{id}/"): Operation(MANAGERS, obj="webhook_endpoint"),
    ("PATCH", "/api/v1/webhooks/{id}/"): Operation(MANAGERS, obj="webhook_endpoint"),
    ("DELETE", "/api/v1/webhooks/{id}/"): Operation(MANAGERS, obj="webhook_endpoint"),
    ("GET", "/api/v1/webhooks/{id}/deliveries/"): Operation(MANAGERS, obj="webhook_endpoint"),
    ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend/"): Operation(MANAGERS, obj="webhook_endpoint"),
    ("POST", "/api/v1/webhooks/{id}/rotate-secret/"): Operation(MANAGERS, obj="webhook_endpoint"),
    # A person's data (privacy/): managers only.
    ("GET", "/api/v1/privacy/leads/{id}/export/"): Operation(MANAGERS, obj="lead"),
    ("POST", "/api/v1/privacy/leads/{id}/erase/"): Operation(MANAGERS, obj="lead"),
}
