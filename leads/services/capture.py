"""Capture: the one path by which a person becomes a lead or touches one again."""

from contextlib import nullcontext
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import signals
from django.utils import timezone

from campaigns.models import Campaign, Variant
from crm import events
from crm.validators import refuse_bidi_controls, validate_name_text
from leads import scoring
from leads.channels import channel_from_utm
from leads.models import CaptureConfigVersion, Lead, LeadAlias, ScoringVersion, Touchpoint
from leads.prepared import PreparedQuery, execute_prepared
from leads.services.base import (
    MAX_COMPANY_SIZE,
    PROFILE_FIELDS,
    UTM_FIELDS,
    _bump,
    _insert_unless_taken,
    audit_lead,
    lead_by_email,
    lead_created_changes,
    normalize_email,
)
from leads.services.lifecycle import lead_transition


class StaleCaptureConfig(Exception):
    """The capture form, its campaign's archived flag or the scoring changed after the caller read
    them (the versions it passed to lead_capture): nothing was written; read them again and retry."""


@dataclass
class CaptureResult:
    lead: Lead
    created: bool
    touchpoint: Touchpoint
    became_mql: bool = False


# An archived campaign receives no new attribution (README, "Attribution"): its key counts as unknown.
_CAMPAIGN_BY_UTM = PreparedQuery(
    lambda utm: Campaign.objects.filter(utm_campaign__iexact=utm, archived=False).order_by("pk")[:1],
    "probe-utm-campaign",
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
    if default_campaign is not None and default_campaign.archived:
        return None
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
            try:
                validate_name_text(value)
                refuse_bidi_controls(value)
            except ValidationError as error:
                raise ValidationError({field: error.messages}) from None
        values[field] = value
    return values


def _new_lead(email, channel, campaign_id, now, profile, config):
    """The lead a new e-mail makes, not yet saved: scored before the insert, so it is written once.
    Its version counts the scoring as a change, as when the score was a second write (and as
    imports count it)."""
    lead = Lead(
        email=email,
        source=channel,
        first_touch_campaign_id=campaign_id,
        last_touch_campaign_id=campaign_id,
        created_at=now,
        status_changed_at=now,
        **profile,
    )
    unscored = (lead.score, lead.fit)
    lead.score, lead.fit = scoring.evaluate(lead, config)
    if (lead.score, lead.fit) != unscored:
        lead.version += 1
    return lead


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


def _insert_fields(model):
    meta = model._meta
    return [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]


def _versions_current_sql(connection):
    """SQL true unless a given version differs from the database's. Parameters: the scoring
    version and the capture configuration version the caller read (NULL: not checked)."""
    qn = connection.ops.quote_name
    return " AND ".join(
        f"COALESCE((SELECT {qn('number')} FROM {qn(model._meta.db_table)} WHERE {qn('id')} = 1) "
        "= CAST(%s AS bigint), TRUE)"
        for model in (ScoringVersion, CaptureConfigVersion)
    )


def _check_versions(versions):
    """Raise StaleCaptureConfig unless ``versions`` (scoring, capture configuration) are current."""
    connection = connections[router.db_for_write(Lead)]  # in the capture's own transaction
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_versions_current_sql(connection)}", list(versions))
        (current,) = cursor.fetchone()
    if not current:
        raise StaleCaptureConfig


def _new_lead_and_touch_sql(connection):
    """One INSERT of a new lead and its first touchpoint (a CTE).

    The touch's campaign is resolved in the statement as _resolve_campaign does: the first
    campaign whose utm_campaign matches (case-insensitive; NULL matches none), else the default.
    The lead is inserted unless its e-mail is a lead's or a merged lead's alias (checked first,
    so a known e-mail takes no id from the sequence) or was inserted meanwhile (ON CONFLICT DO
    NOTHING, as _insert_unless_taken); the touchpoint only if the lead was. Parameters: the utm
    campaign, the default campaign's id, the versions the caller read (_versions_current_sql),
    the lead's fields but its campaigns, the e-mail twice, the touchpoint's fields but its lead
    and campaign. Nothing is inserted unless the versions are current. Returns one row: the
    touchpoint's id and its lead's (NULL when nothing was inserted), the campaign's id, and
    whether the versions were current.
    """
    qn = connection.ops.quote_name
    # The one lookup _resolve_campaign runs (_CAMPAIGN_BY_UTM), as a subquery of the statement.
    utm_sql, utm_params = (
        _CAMPAIGN_BY_UTM.build(_UTM_PROBE).values("pk").query.get_compiler(connection=connection).as_sql()
    )
    if tuple(utm_params) != (_UTM_PROBE,):
        raise ValueError("the utm campaign must reach the SQL as its only parameter")
    campaign_columns = {"first_touch_campaign_id": "touch_campaign.id", "last_touch_campaign_id": "touch_campaign.id"}

    def select(fields, given):
        return ", ".join(given.get(f.column) or f"CAST(%s AS {f.cast_db_type(connection)})" for f in fields)

    lead_fields = _insert_fields(Lead)
    touch_fields = [f for f in _insert_fields(Touchpoint) if f.name != "lead"]
    lead_pk, touch_pk = qn(Lead._meta.pk.column), qn(Touchpoint._meta.pk.column)
    sql = (
        f"WITH touch_campaign AS (SELECT COALESCE(({utm_sql}), CAST(%s AS bigint)) AS id, "
        f"({_versions_current_sql(connection)}) AS current), "
        f"new_lead AS (INSERT INTO {qn(Lead._meta.db_table)} ({', '.join(qn(f.column) for f in lead_fields)}) "
        f"SELECT {select(lead_fields, campaign_columns)} FROM touch_campaign "
        f"WHERE touch_campaign.current "
        f"AND NOT EXISTS (SELECT 1 FROM {qn(Lead._meta.db_table)} WHERE LOWER({qn('email')}) = %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {qn(LeadAlias._meta.db_table)} WHERE LOWER({qn('email')}) = %s) "
        f"ON CONFLICT DO NOTHING RETURNING {lead_pk}, {qn('first_touch_campaign_id')}), "
        f"new_touch AS (INSERT INTO {qn(Touchpoint._meta.db_table)} "
        f"({qn('lead_id')}, {', '.join(qn(f.column) for f in touch_fields)}) "
        f"SELECT new_lead.{lead_pk}, {select(touch_fields, {'campaign_id': 'new_lead.first_touch_campaign_id'})} "
        f"FROM new_lead RETURNING {touch_pk}, {qn('lead_id')}) "
        # One row either way: the campaign serves the locked path of a known e-mail too.
        f"SELECT new_touch.{touch_pk}, new_touch.{qn('lead_id')}, (SELECT id FROM touch_campaign), "
        "(SELECT current FROM touch_campaign) "
        f"FROM (VALUES (1)) AS one LEFT JOIN new_touch ON TRUE"
    )
    lead_fields = [f for f in lead_fields if f.column not in campaign_columns]
    touch_fields = [f for f in touch_fields if f.column != "campaign_id"]
    return sql, lead_fields, touch_fields


_UTM_PROBE = "probe-utm-campaign-of-a-new-lead"
_NEW_LEAD_SQL = {}


def _insert_new_lead_with_touch(lead, touchpoint, *, utm_campaign, default_campaign, versions=None):
    """Write a new lead and its touchpoint in one statement, their campaign resolved from
    ``utm_campaign`` (else ``default_campaign``) in it; return (written, the campaign's id), or
    None where the statement cannot run (not PostgreSQL). Nothing is written when the e-mail is
    known, as a lead or an alias: the caller then takes the locked path, with the campaign
    resolved here. Raise StaleCaptureConfig, writing nothing, when ``versions`` are not current.

    In autocommit (the capture endpoint, when no event handler may write) the statement is its
    own transaction: no BEGIN, lookup or COMMIT round trips; and a prepared statement of the
    connection, planned once (leads.prepared.execute_prepared). The rows, pre_save values and save
    signals are those of Model.save().
    """
    using = router.db_for_write(Lead, instance=lead)
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    found = _NEW_LEAD_SQL.get(using)
    if found is None:
        found = _NEW_LEAD_SQL[using] = _new_lead_and_touch_sql(connection)
    sql, lead_fields, touch_fields = found
    signals.pre_save.send(sender=Lead, instance=lead, raw=False, using=using, update_fields=None)
    signals.pre_save.send(sender=Touchpoint, instance=touchpoint, raw=False, using=using, update_fields=None)
    # The same rule as _resolve_campaign: an archived campaign attributes nothing, by key or as default.
    default = default_campaign if default_campaign is not None and not default_campaign.archived else None
    params = [utm_campaign or None, default.pk if default is not None else None, *(versions or (None, None))]
    params += [f.get_db_prep_save(f.pre_save(lead, True), connection) for f in lead_fields]
    params += [lead.email, lead.email]
    params += [f.get_db_prep_save(f.pre_save(touchpoint, True), connection) for f in touch_fields]
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        row = cursor.fetchone()
    touch_id, lead_id, campaign_id, current = row
    if not current:
        raise StaleCaptureConfig
    if touch_id is None:
        return False, campaign_id
    touchpoint.pk, lead.pk = touch_id, lead_id
    lead.first_touch_campaign_id = lead.last_touch_campaign_id = touchpoint.campaign_id = campaign_id
    touchpoint.lead = lead
    for instance, model in ((lead, Lead), (touchpoint, Touchpoint)):
        instance._state.adding, instance._state.db = False, using
        signals.post_save.send(
            sender=model, instance=instance, created=True, update_fields=None, raw=False, using=using
        )
    return True, campaign_id


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
    versions=None,
):
    """Find or create the lead of this e-mail and record the touch.

    A known e-mail gets a touchpoint, never a second lead: two concurrent captures of
    one e-mail make one lead and two touchpoints. Blank profile fields are filled in,
    the score and fit recomputed, and a new (or recycled) lead whose score reaches the
    ICP's threshold becomes an MQL, which hands it to sales. A form that requires consent
    refuses a submission without it (``consented``); given consent is kept on the touchpoint
    with the form's text and its version.

    ``versions`` are the scoring version and the capture configuration version the caller read
    ``form`` and ``config`` at (leads.capture.enabled_capture_form): when given, nothing is
    written unless they are still current, else StaleCaptureConfig is raised.
    """
    email = normalize_email(data.get("email"))
    profile = _clean_profile(data)
    utm = {field: str(data.get(field) or "").strip()[:200] for field in UTM_FIELDS}
    now = occurred_at or timezone.now()
    config = config or scoring.ScoringConfig.current()
    default_campaign = campaign or (form.campaign if form else None)
    channel = channel_from_utm(utm["utm_source"], utm["utm_medium"])
    touch_values = {
        "form": form,
        "kind": kind,
        "channel": channel,
        "page_url": str(data.get("page_url") or "")[:2000],
        "recorded_by": actor,
        "occurred_at": now,
        **utm,
        **_consent(form, consented, now),
    }
    # A lead made by a person or a token is in the audit trail, in its insert's transaction (not a
    # website visitor's, whose touchpoint names the form, nor an import's: README, "Audit trail").
    audited = kind in (Touchpoint.Kind.MANUAL, Touchpoint.Kind.API)
    campaign_id, resolved = None, False
    if not utm["utm_content"]:  # with a utm_content, the variant is looked up from the campaign first
        fresh = _new_lead(email, channel, None, now, profile, config)
        if fresh.score < config.profile.mql_threshold:
            # The common case, a new e-mail that stays NEW, in one statement; a known e-mail, or a
            # new lead that becomes an MQL (a transition and a hand-off), takes the locked path below.
            touchpoint = Touchpoint(lead=fresh, **touch_values)
            # The handlers of lead.created write in the insert's transaction (crm.events): when one
            # may act, or inside a caller's transaction (a savepoint, which a failure leaves usable),
            # the statement and the event share a block; otherwise the statement is its own transaction.
            alone = not audited and transaction.get_autocommit() and not events.listened(events.LEAD_CREATED)
            with nullcontext() if alone else transaction.atomic():
                outcome = _insert_new_lead_with_touch(
                    fresh,
                    touchpoint,
                    utm_campaign=utm["utm_campaign"],
                    default_campaign=default_campaign,
                    versions=versions,
                )
                if outcome is not None:
                    written, campaign_id = outcome
                    if written:
                        if audited:
                            audit_lead(fresh, action="created", changes=lead_created_changes(fresh), user=actor, at=now)
                        events.emit(events.LEAD_CREATED, lead=fresh, actor=actor, source=kind)
                        return CaptureResult(lead=fresh, created=True, touchpoint=touchpoint)
                    # The statement resolved the campaign and found the versions current.
                    resolved, versions = True, None
    if not resolved:
        touch_campaign = _resolve_campaign(utm["utm_campaign"], default_campaign)
        campaign_id = touch_campaign.pk if touch_campaign is not None else None
    variant = None
    if campaign_id is not None and utm["utm_content"]:
        variant = _VARIANT_BY_UTM.first(campaign_id, utm["utm_content"])
    touch_values.update(campaign_id=campaign_id, variant=variant)

    with transaction.atomic():
        if versions is not None:
            _check_versions(versions)
        lead = lead_by_email(email, lock=True)
        created = False
        if lead is None:
            lead = _new_lead(email, channel, campaign_id, now, profile, config)
            created = _insert_unless_taken(lead)
            if not created:
                # A concurrent capture inserted the e-mail first: lock and extend its lead.
                lead = lead_by_email(email, lock=True)
                if lead is None:
                    raise IntegrityError(f"The lead of {email} was inserted and removed by another transaction.")
        touchpoint = Touchpoint.objects.create(lead=lead, **touch_values)
        fields = _apply_touch(
            lead,
            profile=profile,
            campaign_id=campaign_id,
            config=config,
            known=not created,
        )
        if fields:
            _bump(lead, fields, now)
        if created:
            if audited:
                audit_lead(lead, action="created", changes=lead_created_changes(lead), user=actor, at=now)
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
