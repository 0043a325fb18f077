"""Capture: the one path by which a person becomes a lead or touches one again."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import Campaign, Variant
from crm import events
from leads import scoring
from leads.channels import channel_from_utm
from leads.models import Lead, Touchpoint
from leads.prepared import PreparedQuery
from leads.services.base import (
    MAX_COMPANY_SIZE,
    PROFILE_FIELDS,
    UTM_FIELDS,
    _bump,
    _insert_unless_taken,
    lead_by_email,
    normalize_email,
)
from leads.services.lifecycle import lead_transition


@dataclass
class CaptureResult:
    lead: Lead
    created: bool
    touchpoint: Touchpoint
    became_mql: bool = False


_CAMPAIGN_BY_UTM = PreparedQuery(
    lambda utm: Campaign.objects.filter(utm_campaign__iexact=utm).order_by("pk")[:1], "probe-utm-campaign"
)
_VARIANT_BY_UTM = PreparedQuery(
    lambda campaign_id, utm: Variant.objects.filter(campaign_id=campaign_id, utm_content__iexact=utm).order_by("pk")[
        :1
    ],
    -7_000_000_001,
    "probe-utm-content",
)


def _resolve_campaign(utm_campaign, default_campaign):
    if utm_campaign:
        campaign = _CAMPAIGN_BY_UTM.first(utm_campaign.strip())
        if campaign is not None:
            return campaign
    return default_campaign


def _clean_profile(data):
    values = {}
    for field in PROFILE_FIELDS:
        value = data.get(field)
        if value in (None, ""):
            continue
        if field == "company_size":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ValidationError({"company_size": "Company size must be a whole number."}) from None
            if value < 0:
                raise ValidationError({"company_size": "Company size cannot be negative."})
            if value > MAX_COMPANY_SIZE:
                raise ValidationError({"company_size": f"Company size cannot exceed {MAX_COMPANY_SIZE:,}."})
        elif field == "country":
            value = str(value).strip().upper()
            if len(value) != 2 or not value.isalpha():
                raise ValidationError({"country": "Use a two-letter country code, e.g. DE."})
        else:
            max_length = Lead._meta.get_field(field).max_length
            value = str(value).strip()[:max_length]
        values[field] = value
    return values


def _apply_touch(lead, *, profile, campaign_id, config, known, evaluate=scoring.evaluate):
    """Apply one touch to the lead in memory as a capture does; return the fields it changed.

    A known lead gets its blank profile fields filled and its last touch moved to the
    touch's campaign (a new one was made from this touch); every lead is scored again.
    Shared with the batch capture of imports, so both change a lead the same way (the batch
    passes a memoised ``evaluate``: the same result, computed once per distinct profile).
    """
    fields = []
    if known:
        for field, value in profile.items():
            if getattr(lead, field) in ("", None):
                setattr(lead, field, value)
                fields.append(field)
        if campaign_id is not None and campaign_id != lead.last_touch_campaign_id:
            lead.last_touch_campaign_id = campaign_id
            fields.append("last_touch_campaign")
    score, fit = evaluate(lead, config)
    if (score, fit) != (lead.score, lead.fit):
        lead.score, lead.fit = score, fit
        fields += ["score", "fit"]
    return fields


def _consent(form, consented, now):
    """Return the touchpoint's consent fields; refuse a form that requires consent without it."""
    if form is None or not (form.consent_required or (consented and form.consent_text)):
        return {}
    if not consented:
        raise ValidationError({"consent": "Tick the consent box to send this form."})
    return {"consent_at": now, "consent_text": form.consent_text, "consent_version": form.consent_version}


def lead_capture(
    *,
    data,
    kind=Touchpoint.Kind.FORM,
    form=None,
    campaign=None,
    actor=None,
    occurred_at=None,
    config=None,
    consented=False,
):
    """Find or create the lead of this e-mail and record the touch.

    A known e-mail gets a touchpoint, never a second lead: two concurrent captures of
    one e-mail make one lead and two touchpoints. Blank profile fields are filled in,
    the score and fit recomputed, and a new (or recycled) lead whose score reaches the
    ICP's threshold becomes an MQL, which hands it to sales. A form that requires consent
    refuses a submission without it (``consented``); given consent is kept on the touchpoint
    with the form's text and its version.
    """
    email = normalize_email(data.get("email"))
    profile = _clean_profile(data)
    utm = {field: str(data.get(field) or "").strip()[:200] for field in UTM_FIELDS}
    now = occurred_at or timezone.now()
    config = config or scoring.ScoringConfig.current()
    touch_campaign = _resolve_campaign(utm["utm_campaign"], campaign or (form.campaign if form else None))
    variant = None
    if touch_campaign is not None and utm["utm_content"]:
        variant = _VARIANT_BY_UTM.first(touch_campaign.pk, utm["utm_content"])
    channel = channel_from_utm(utm["utm_source"], utm["utm_medium"])
    consent = _consent(form, consented, now)

    with transaction.atomic():
        lead = lead_by_email(email, lock=True)
        created = False
        if lead is None:
            lead = Lead(
                email=email,
                source=channel,
                first_touch_campaign=touch_campaign,
                last_touch_campaign=touch_campaign,
                created_at=now,
                status_changed_at=now,
                **profile,
            )
            # Scored before the insert, so a new lead is written once. Its version counts the
            # scoring as a change, as when the score was a second write (and as imports count it).
            unscored = (lead.score, lead.fit)
            lead.score, lead.fit = scoring.evaluate(lead, config)
            if (lead.score, lead.fit) != unscored:
                lead.version += 1
            created = _insert_unless_taken(lead)
            if not created:
                # A concurrent capture inserted the e-mail first: lock and extend its lead.
                lead = lead_by_email(email, lock=True)
                if lead is None:
                    raise IntegrityError(f"The lead of {email} was inserted and removed by another transaction.")
        touchpoint = Touchpoint.objects.create(
            lead=lead,
            campaign=touch_campaign,
            variant=variant,
            form=form,
            kind=kind,
            channel=channel,
            page_url=str(data.get("page_url") or "")[:2000],
            recorded_by=actor,
            occurred_at=now,
            **utm,
            **consent,
        )
        fields = _apply_touch(
            lead,
            profile=profile,
            campaign_id=touch_campaign.pk if touch_campaign is not None else None,
            config=config,
            known=not created,
        )
        if fields:
            _bump(lead, fields, now)
        if created:
            events.emit(events.LEAD_CREATED, lead=lead, actor=actor, source=kind)
        became_mql = False
        if lead.status in (Lead.Status.NEW, Lead.Status.RECYCLED) and lead.score >= config.profile.mql_threshold:
            lead_transition(
                lead=lead,
                to_status=Lead.Status.MQL,
                actor=None,
                note=f"Score {lead.score} reached the MQL threshold of {config.profile.mql_threshold}.",
                at=now,
            )
            became_mql = True
    return CaptureResult(lead=lead, created=created, touchpoint=touchpoint, became_mql=became_mql)
