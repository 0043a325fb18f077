"""Writes on leads. Every change of a lead goes through one of these functions.

Each takes the acting user as ``actor`` (None for the system: the website form, a task)
and never a request, so pages, the API, imports and tasks share them.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, router, transaction
from django.db.models import Subquery, signals
from django.db.models.constants import OnConflict
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from campaigns.models import Campaign, Channel, Variant
from crm.errors import Conflict, Refused
from leads import scoring
from leads.channels import channel_from_utm
from leads.models import Activity, Lead, LeadAlias, StatusChange, Touchpoint, can_transition
from leads.prepared import PreparedQuery
from leads.signals import contact_logged, lead_became_mql


class LeadError(Refused):
    """A lead change that the rules refuse."""


class InvalidTransition(LeadError):
    def __init__(self, from_status, to_status, reason=""):
        self.from_status, self.to_status = from_status, to_status
        super().__init__(reason or f"A lead cannot move from {from_status} to {to_status}.")

    def api_body(self):
        return {"to_status": [str(self)]}


class StaleLead(LeadError, Conflict):
    """The caller edited an older version of the lead; ``current`` is the fresh row."""

    code = "stale"

    def api_body(self):
        return {**super().api_body(), "current_version": self.current.version, "current_status": self.current.status}

    def __init__(self, current):
        self.current = current
        super().__init__(
            "Someone else changed this lead while you were looking at it. Nothing was saved; here is its current state."
        )


# Fields a capture, import or edit may set on a lead.
PROFILE_FIELDS = ("first_name", "last_name", "phone", "company", "title", "industry", "company_size", "country")
MAX_COMPANY_SIZE = 10_000_000
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def normalize_email(value):
    """Return the e-mail trimmed and lower-cased, or raise ValidationError."""
    email = (value or "").strip().lower()
    if not email:
        raise ValidationError({"email": "An e-mail address is required."})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from None
    return email


def _lead_by_email_query(email, lock):
    own = Lead.objects.alias(email_lower=Lower("email")).filter(email_lower=email).order_by().values("pk")[:1]
    # A merged duplicate's e-mail lives on as an alias of the lead that survived it.
    aliased = (
        LeadAlias.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=email)
        .order_by("lead_id")
        .values("lead_id")[:1]
    )
    queryset = Lead.objects.filter(pk=Coalesce(Subquery(own), Subquery(aliased))).order_by()
    return queryset.select_for_update() if lock else queryset


_LEAD_BY_EMAIL = {
    lock: PreparedQuery(lambda email, lock=lock: _lead_by_email_query(email, lock), "probe@lead-by-email.invalid")
    for lock in (False, True)
}


def lead_by_email(email, *, lock=False):
    """Return the lead with this e-mail or alias (case-insensitive, on the functional indexes) or None.

    One statement: the lead whose own e-mail it is, else the lead a merged duplicate's e-mail
    (an alias) points at. Each is a lookup on its unique index, and the lead is then read
    (and locked) by its primary key.
    """
    email = normalize_email(email)
    if lock and transaction.get_autocommit():
        # As select_for_update() refuses, once the SQL is compiled as well.
        raise transaction.TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    return _LEAD_BY_EMAIL[bool(lock)].first(email)


def _insert_unless_taken(lead):
    """INSERT the new lead unless its e-mail is taken (ON CONFLICT DO NOTHING); return whether it was.

    Without a savepoint: a concurrent capture that inserted the e-mail first makes ours a
    no-op (PostgreSQL waits for that transaction and skips the row if it commits) instead of
    an IntegrityError that would abort the transaction. Otherwise what Model.save() does for
    a new row: the same fields, the pre_save values (updated_at) and the save signals.
    """
    meta, using = Lead._meta, router.db_for_write(Lead, instance=lead)
    signals.pre_save.send(sender=Lead, instance=lead, raw=False, using=using, update_fields=None)
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    returning = meta.db_returning_fields
    rows = Lead._base_manager._insert(
        [lead], fields=fields, returning_fields=returning, using=using, on_conflict=OnConflict.IGNORE
    )
    if not rows or rows[0] is None:
        return False
    for value, field in zip(rows[0], returning, strict=True):
        setattr(lead, field.attname, value)
    lead._state.adding, lead._state.db = False, using
    signals.post_save.send(sender=Lead, instance=lead, created=True, update_fields=None, raw=False, using=using)
    return True


def _bump(lead, fields, now=None):
    lead.version += 1
    lead.updated_at = now or timezone.now()
    lead.save(update_fields=[*fields, "version", "updated_at"])


def _lock(lead, version=None):
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if version is not None and int(version) != locked.version:
        raise StaleLead(locked)
    return locked


def _sync(target, source):
    """Copy the fresh row's state onto the caller's instance."""
    target.__dict__.update({k: v for k, v in source.__dict__.items() if not k.startswith("_")})


def _positive_money(value):
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise ValidationError({"deal_value": "A won lead needs a deal value above zero."})
    return amount


def lead_transition(
    *, lead, to_status, actor, note="", deal_value=None, lost_reason="", version=None, at=None, answering_handoff=False
):
    """Move the lead to a new status, checking the lifecycle, and write its history.

    An MQL leaves its status only by the answer to its hand-off (the hand-off services
    pass ``answering_handoff``): moved any other way, the hand-off would stay pending.

    Raises InvalidTransition for a move the lifecycle forbids, StaleLead when ``version``
    is given and no longer current, ValidationError for a missing deal value or reason.
    """
    try:
        to_status = Lead.Status(to_status)
    except ValueError:
        raise InvalidTransition(getattr(lead, "status", "?"), to_status) from None
    now = at or timezone.now()
    with transaction.atomic():
        # The row lock serialises concurrent moves; the version check refuses stale ones.
        locked = _lock(lead, version)
        if not can_transition(locked.status, to_status):
            raise InvalidTransition(locked.status, to_status)
        if locked.status == Lead.Status.MQL and not answering_handoff:
            raise InvalidTransition(
                locked.status, to_status, "An MQL moves on by the answer to its hand-off: accept or reject it."
            )
        fields = ["status", "status_changed_at"]
        if to_status == Lead.Status.WON:
            locked.deal_value = _positive_money(deal_value)
            fields.append("deal_value")
        if to_status == Lead.Status.LOST:
            if lost_reason not in Lead.LostReason.values:
                raise ValidationError({"lost_reason": "Say why the lead was lost."})
            locked.lost_reason = lost_reason
            fields.append("lost_reason")
        StatusChange.objects.create(
            lead=locked, from_status=locked.status, to_status=to_status, changed_by=actor, changed_at=now, note=note
        )
        locked.status = to_status
        locked.status_changed_at = now
        _bump(locked, fields, now)
        if to_status == Lead.Status.MQL:
            lead_id = locked.pk
            # robust: the lead is committed whatever happens to the announcement (a broker
            # outage must not turn a saved capture into a 500); a periodic sweep routes
            # any MQL whose hand-off was never queued.
            transaction.on_commit(lambda: lead_became_mql.send(sender=Lead, lead_id=lead_id), robust=True)
    _sync(lead, locked)
    return lead


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


def lead_capture(
    *, data, kind=Touchpoint.Kind.FORM, form=None, campaign=None, actor=None, occurred_at=None, config=None
):
    """Find or create the lead of this e-mail and record the touch.

    A known e-mail gets a touchpoint, never a second lead: two concurrent captures of
    one e-mail make one lead and two touchpoints. Blank profile fields are filled in,
    the score and fit recomputed, and a new (or recycled) lead whose score reaches the
    ICP's threshold becomes an MQL, which hands it to sales.
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


def lead_update(*, lead, actor, version=None, **changes):
    """Change a lead's profile fields (not its status or owner) and recompute its score."""
    unknown = set(changes) - set(PROFILE_FIELDS) - {"email"}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    with transaction.atomic():
        locked = _lock(lead, version)
        fields = []
        if "email" in changes:
            email = normalize_email(changes.pop("email"))
            other = lead_by_email(email)
            if other is not None and other.pk != locked.pk:
                raise ValidationError({"email": "Another lead already has this e-mail address."})
            locked.email = email
            fields.append("email")
        cleaned = _clean_profile(changes)
        for field in changes:
            value = cleaned.get(field, None if field == "company_size" else "")
            setattr(locked, field, value)
            fields.append(field)
        locked.score, locked.fit = scoring.evaluate(locked, scoring.ScoringConfig.load())
        _bump(locked, [*fields, "score", "fit"])
    _sync(lead, locked)
    return lead


def lead_assign_owner(*, lead, owner, actor, version=None):
    """Make the user the lead's owner (the rep who works it)."""
    with transaction.atomic():
        locked = _lock(lead, version)
        locked.owner = owner
        _bump(locked, ["owner"])
    _sync(lead, locked)
    return lead


def activity_log(*, lead, actor, kind, subject="", body="", occurred_at=None, assignee=None, due_at=None):
    """Record a call, e-mail, meeting, note or task on the lead.

    A call, e-mail or meeting is a contact: listeners (hand-offs) learn of it in the same
    transaction, so the first contact after a hand-off is stamped exactly once.
    """
    kind = Activity.Kind(kind)
    if kind == Activity.Kind.TASK and due_at is None:
        raise ValidationError({"due_at": "A task needs a due date."})
    if kind != Activity.Kind.TASK and not (subject.strip() or body.strip()):
        raise ValidationError({"body": "Say what happened."})
    now = occurred_at or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.create(
            lead=lead,
            kind=kind,
            user=actor,
            subject=subject.strip()[:200],
            body=body.strip(),
            occurred_at=now,
            assignee=(assignee or actor) if kind == Activity.Kind.TASK else None,
            due_at=due_at if kind == Activity.Kind.TASK else None,
        )
        if kind in Activity.CONTACT_KINDS and actor is not None:
            contact_logged.send(sender=Activity, lead_id=lead.pk, user_id=actor.pk, at=now)
    return activity


def task_complete(*, task, actor, at=None):
    """Mark a task done; it then shows on the lead's timeline as done."""
    if task.kind != Activity.Kind.TASK:
        raise ValidationError("Only tasks can be completed.")
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=task.pk)
        if locked.done_at is None:
            locked.done_at = at or timezone.now()
            locked.save(update_fields=["done_at"])
    task.done_at = locked.done_at
    return task


def scores_recompute(*, lead_ids=None, batch_size=2000):
    """Recompute score and fit of the given leads (all when None) in batches; return how many changed.

    Status is not changed here: a rule change re-ranks leads, it does not flood sales with MQLs.
    """
    config = scoring.ScoringConfig.load()
    queryset = Lead.objects.order_by("pk").only("pk", "email", "score", "fit", "source", *PROFILE_FIELDS)
    if lead_ids is not None:
        queryset = queryset.filter(pk__in=lead_ids)
    changed = 0
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return changed
        dirty = []
        for lead in batch:
            score, fit = scoring.evaluate(lead, config)
            if (score, fit) != (lead.score, lead.fit):
                lead.score, lead.fit = score, fit
                dirty.append(lead)
        if dirty:
            with transaction.atomic():
                Lead.objects.bulk_update(dirty, ["score", "fit"])
            changed += len(dirty)
        last_pk = batch[-1].pk


def touchpoint_record_reported(*, lead, actor, channel, campaign=None, note="", occurred_at=None):
    """Record the source the buyer names to sales ("how did you hear about us?") as a touchpoint."""
    if channel not in Channel.values:
        raise ValidationError({"channel": "Choose the channel the buyer named."})
    return Touchpoint.objects.create(
        lead=lead,
        campaign=campaign,
        kind=Touchpoint.Kind.SALES_REPORTED,
        channel=channel,
        note=(note or "").strip()[:500],
        recorded_by=actor,
        occurred_at=occurred_at or timezone.now(),
    )


class MergeRefused(LeadError):
    """Two leads that cannot be merged as they stand; the message says why."""


def _condition_text(condition):
    parts = []
    for child in condition.children:
        if isinstance(child, tuple):
            parts.append(f"{child[0].replace('__', ' ')} {child[1]}")
    return " and ".join(parts) or "this state"


def _refuse_conflicting_rows(relation, survivor, duplicate):
    """Refuse when both leads hold a row that a conditional unique constraint allows once per lead."""
    model, field = relation.related_model, relation.field.name
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if tuple(fields) != (field,) or getattr(constraint, "condition", None) is None:
            continue
        holders = (
            model._default_manager.filter(constraint.condition, **{f"{field}__in": [survivor.pk, duplicate.pk]})
            .values(field)
            .distinct()
        )
        if holders.count() == 2:
            raise MergeRefused(
                f"Both leads have a {model._meta.verbose_name} with {_condition_text(constraint.condition)}, "
                "and a lead may have only one. Settle one of them before merging."
            )


def _move_related(relation, survivor, duplicate):
    """Point the duplicate's rows of one reverse relation at the survivor."""
    if relation.many_to_many:
        accessor = relation.get_accessor_name()
        getattr(survivor, accessor).add(*getattr(duplicate, accessor).all())
        return
    model, field = relation.related_model, relation.field.name
    _refuse_conflicting_rows(relation, survivor, duplicate)
    try:
        with transaction.atomic():
            model._default_manager.filter(**{field: duplicate}).update(**{field: survivor})
    except IntegrityError:
        # Any other uniqueness the two leads' rows would break together (a one-to-one, say).
        raise MergeRefused(
            f"The two leads' {model._meta.verbose_name_plural} cannot be combined. Settle one of them before merging."
        ) from None


def lead_merge(*, survivor, duplicate, actor, at=None):
    """Merge the duplicate into the survivor: move its history, keep its e-mail as an alias, delete it.

    Every reverse relation of Lead moves generically (touchpoints, status history, activities
    and the rows of apps leads does not know, such as hand-offs), so leads never imports them.
    The survivor keeps its status and owner; blank profile fields are filled from the duplicate.
    """
    if survivor.pk == duplicate.pk:
        raise MergeRefused("A lead cannot be merged into itself.")
    now = at or timezone.now()
    with transaction.atomic():
        # Lock both rows in id order, so two merges of the same pair cannot deadlock.
        locked = {lead.pk: lead for lead in Lead.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk])}
        if len(locked) != 2:
            raise MergeRefused("One of the two leads no longer exists.")
        keep, lose = locked[survivor.pk], locked[duplicate.pk]
        for relation in Lead._meta.related_objects:
            _move_related(relation, keep, lose)
        fields = []
        for field in PROFILE_FIELDS:
            if getattr(keep, field) in ("", None) and getattr(lose, field) not in ("", None):
                setattr(keep, field, getattr(lose, field))
                fields.append(field)
        if lose.created_at < keep.created_at:
            # The person first came through the duplicate: that is the lead's first touch.
            keep.created_at, keep.source, keep.first_touch_campaign_id = (
                lose.created_at,
                lose.source,
                lose.first_touch_campaign_id,
            )
            fields += ["created_at", "source", "first_touch_campaign"]
        latest_campaign = (
            Touchpoint.objects.filter(lead=keep, campaign__isnull=False)
            .order_by("-occurred_at", "-id")
            .values_list("campaign_id", flat=True)
            .first()
        )
        if latest_campaign is not None and latest_campaign != keep.last_touch_campaign_id:
            keep.last_touch_campaign_id = latest_campaign
            fields.append("last_touch_campaign")
        keep.score, keep.fit = scoring.evaluate(keep, scoring.ScoringConfig.load())
        lose_email = lose.email
        lose.delete()
        LeadAlias.objects.create(email=lose_email, lead=keep, created_at=now)
        Activity.objects.create(
            lead=keep,
            kind=Activity.Kind.NOTE,
            user=actor,
            subject=f"Merged {lose_email} into this lead",
            occurred_at=now,
        )
        _bump(keep, [*fields, "score", "fit"], now)
    _sync(survivor, keep)
    return survivor
