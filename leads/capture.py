"""Website capture forms: their settings, the CORS policy of the public endpoint, and the
HTML snippet a marketer pastes into a website.

The endpoint itself (a DRF view) is in leads.api_capture; leads are written by
leads.services.lead_capture, the one path for new leads.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Subquery
from django.template.loader import render_to_string

from campaigns.models import Campaign
from leads import scoring
from leads.models import CaptureConfigVersion, CaptureForm
from leads.prepared import PreparedQuery

# The path of the public endpoint; the CORS signal resolves the form from it.
CAPTURE_PATH = re.compile(r"^/api/v1/capture/(?P<key>[^/]+)/$")
FORM_FIELDS = ("name", "campaign", "allowed_origins", "enabled", "consent_required", "consent_text")


def check_consent(values):
    """Raise ValidationError when the values require consent without a text to show beside the box."""
    if values.get("consent_required") and not (values.get("consent_text") or "").strip():
        raise ValidationError({"consent_text": "Write the consent text the box shows, or do not require consent."})


def normalize_origin(value):
    """Return ``scheme://host[:port]`` for an origin, or raise ValidationError."""
    text = (value or "").strip().rstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(f"{text!r} is not an origin like https://www.example.com.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"{text!r} is not an origin like https://www.example.com (http or https, a host).")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(f"{text!r} has more than an origin: drop the path, e.g. https://www.example.com.")
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def clean_origins(text):
    """Return the allowed origins one per line, normalised and deduplicated, or raise ValidationError."""
    origins, errors = [], []
    for line in (text or "").replace(",", "\n").splitlines():
        if not line.strip():
            continue
        try:
            origin = normalize_origin(line)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if origin not in origins:
            origins.append(origin)
    if errors:
        raise ValidationError(errors)
    return "\n".join(origins)


def capture_form_create(
    *, actor, name, campaign=None, allowed_origins="", enabled=True, consent_required=False, consent_text=""
):
    """Create a capture form with a fresh public key."""
    check_consent({"consent_required": consent_required, "consent_text": consent_text})
    with transaction.atomic():
        key = CaptureForm.new_key()
        while CaptureForm.objects.filter(key=key).exists():
            key = CaptureForm.new_key()
        return CaptureForm.objects.create(
            name=name.strip(),
            key=key,
            campaign=campaign,
            allowed_origins=clean_origins(allowed_origins),
            enabled=enabled,
            consent_required=consent_required,
            consent_text=consent_text.strip(),
            created_by=actor,
        )


def capture_form_update(*, form, actor, **changes):
    """Change a capture form's name, default campaign, allowed origins or enabled flag (never its key)."""
    unknown = set(changes) - set(FORM_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    if "allowed_origins" in changes:
        changes["allowed_origins"] = clean_origins(changes["allowed_origins"])
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    if "consent_text" in changes:
        changes["consent_text"] = (changes["consent_text"] or "").strip()
    check_consent({"consent_required": form.consent_required, "consent_text": form.consent_text, **changes})
    for field, value in changes.items():
        setattr(form, field, value)
    form.save(update_fields=list(changes))
    return form


def capture_form_set_enabled(*, form, enabled, actor):
    """Switch a capture form on or off; a disabled form's endpoint answers 404."""
    return capture_form_update(form=form, actor=actor, enabled=bool(enabled))


def capture_forms_list(*, query="", enabled=None):
    """Return capture forms with their campaign and submission figures, for the list page."""
    forms = CaptureForm.objects.select_related("campaign").annotate(
        submissions=Count("touchpoints"), last_submission=Max("touchpoints__occurred_at")
    )
    if query:
        forms = forms.filter(name__icontains=query)
    if enabled is not None:
        forms = forms.filter(enabled=enabled)
    return forms.order_by("name", "pk")


def form_key_from_path(path):
    """Return the form key in a capture endpoint path, or None for any other path."""
    match = CAPTURE_PATH.match(path or "")
    return match.group("key") if match else None


def origin_allowed(form, origin):
    """Return whether a browser page on ``origin`` may post to the form."""
    if not origin:
        return False
    try:
        origin = normalize_origin(origin)
    except ValidationError:
        return False
    return origin in {o.lower() for o in form.origin_list()}


def cors_allow_capture_origin(sender, request, **kwargs):
    """Allow CORS on a capture endpoint when the Origin is one of its enabled form's allowed origins.

    Connected to corsheaders' check_request_enabled; it is asked about every request
    that carries an Origin, so it answers False fast for anything else. A preflight, which no
    statement of a capture follows, and a refusal are decided on the form as it is now: a form
    this process read earlier only admits a request whose capture then checks its versions.
    """
    key = form_key_from_path(request.path_info)
    origin = request.headers.get("origin")
    if key is None or not origin:
        return False
    form = enabled_capture_form(request, key, fresh=request.method == "OPTIONS")
    if form is not None and origin_allowed(form, origin):
        return True
    if not capture_form_read_now(request):
        form = enabled_capture_form(request, key, fresh=True)
        return form is not None and origin_allowed(form, origin)
    return False


# The default campaign's columns, read in the form's statement as annotations.
_CAMPAIGN_COLUMNS = tuple(f.attname for f in Campaign._meta.concrete_fields)


def _enabled_form_query(key):
    return (
        CaptureForm.objects.filter(key=key, enabled=True)
        .annotate(
            scoring_version=scoring.version_subquery(),
            capture_version=capture_version_subquery(),
            **{f"campaign_row_{name}": F(f"campaign__{name}") for name in _CAMPAIGN_COLUMNS},
        )
        .order_by()[:1]
    )


_ENABLED_FORM = PreparedQuery(_enabled_form_query, "probe-form-key")

# The enabled forms this process read, by key, each with the versions it was read at (its
# ``scoring_version`` and ``capture_version``). Shared by the requests of the process and never
# changed after it is put here; the capture's statement compares the versions with the
# database's (leads.services.capture), and a request that finds them changed reads the form again.
_KNOWN_FORMS = {}
_KNOWN_FORMS_LIMIT = 1024


def capture_version_subquery():
    """Return the capture configuration's version as an expression, to read it with other rows."""
    return Subquery(CaptureConfigVersion.objects.filter(pk=1).values("number")[:1])


def forget_capture_forms():
    """Drop the capture forms this process keeps (tests; a process never needs it)."""
    _KNOWN_FORMS.clear()


def _read_enabled_form(key):
    form = _ENABLED_FORM.first(key)
    if form is not None:
        values = [form.__dict__.pop(f"campaign_row_{name}") for name in _CAMPAIGN_COLUMNS]
        if form.campaign_id is not None:
            form.campaign = Campaign.from_db(form._state.db, _CAMPAIGN_COLUMNS, values)
    if form is not None and form.scoring_version is not None and form.capture_version is not None:
        if len(_KNOWN_FORMS) >= _KNOWN_FORMS_LIMIT:
            _KNOWN_FORMS.clear()
        _KNOWN_FORMS[key] = form
    else:  # unknown or disabled; or a version row missing, which no later write could be compared with
        _KNOWN_FORMS.pop(key, None)
    return form


def enabled_capture_form(request, key, *, fresh=False):
    """Return the enabled capture form of the key, or None. The form carries its campaign and,
    as ``scoring_version`` and ``capture_version``, the versions read in the same statement.

    The form may be one this process read for an earlier request (no query at all): whoever
    acts on it passes its versions to lead_capture, whose statement refuses them once they
    changed (StaleCaptureConfig); and a refusal decided on it is decided again with ``fresh``,
    which reads the database. capture_form_read_now() tells which it was. The CORS check of a
    request with an Origin asks first, and the endpoint then takes the same form from the request.
    """
    found = getattr(request, "_tandem_capture_form", None)
    if found is not None and found[0] == key and (found[2] or not fresh):
        return found[1]
    form = None if fresh else _KNOWN_FORMS.get(key)
    read_now = form is None
    if read_now:
        form = _read_enabled_form(key)
    request._tandem_capture_form = (key, form, read_now)
    return form


def capture_form_read_now(request):
    """Return whether the request's capture form was read from the database for this request."""
    found = getattr(request, "_tandem_capture_form", None)
    return found is not None and found[2]


# The fields of the embeddable form: (name, label, input type, required).
SNIPPET_FIELDS = (
    ("email", "E-mail", "email", True),
    ("first_name", "First name", "text", False),
    ("last_name", "Last name", "text", False),
    ("company", "Company", "text", False),
    ("title", "Job title", "text", False),
    ("phone", "Phone", "tel", False),
)
SNIPPET_HIDDEN = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "page_url")


def capture_snippet(form, endpoint_url):
    """Return the HTML a website embeds to post to this form's endpoint."""
    return render_to_string(
        "leads/capture_snippet.txt",
        {
            "form": form,
            "endpoint_url": endpoint_url,
            "fields": SNIPPET_FIELDS,
            "hidden": SNIPPET_HIDDEN,
            "dom_id": f"tandem-capture-{form.key}",
        },
    ).strip()
