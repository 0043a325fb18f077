"""The rows of a batch capture before the database sees them: checks, messages, attribution.

Pure work on (line, values) pairs that a reader thread can do ahead of the batch: each row
checked with lead_capture's rules and messages, grouped by e-mail, its campaign and variant
resolved from a Catalogue loaded once per batch.
"""

import functools
import operator
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q

from campaigns.models import Campaign, Variant
from leads.channels import channel_from_utm
from leads.models import Lead
from leads.services.base import UTM_FIELDS, normalize_email
from leads.services.capture import _clean_profile

_MAX_EMAIL = 254
_MAX_COMPANY_SIZE = 2_147_483_647  # the column is a 32-bit integer
# A byte the import could not read as UTF-8, kept as a lone surrogate (leads.importing.MIXED_UTF8).
_STRAY_BYTE = re.compile(r"[\udc80-\udcff]")

FIELD_LABELS = {
    "email": "e-mail",
    "first_name": "first name",
    "last_name": "last name",
    "full_name": "name",
    "company_size": "company size",
    "page_url": "page URL",
}


def row_problems(values):
    """Return what is wrong with a row's values before lead_capture's checks (a missing e-mail,
    lengths and ranges the columns cannot hold, NULs, bytes of another encoding)."""
    problems = [] if values.get("email") else ["e-mail: missing"]
    if any("\x00" in value for value in values.values()):
        problems.append("contains NUL characters")
    if any(_STRAY_BYTE.search(value) for value in values.values()):
        problems.append(
            "holds bytes that are not UTF-8 (this line was saved in another encoding): correct it and import it again"
        )
    if len(values.get("email", "")) > _MAX_EMAIL:
        problems.append("e-mail: longer than 254 characters")
    size = values.get("company_size", "")
    if size.isdigit() and int(size) > _MAX_COMPANY_SIZE:
        problems.append("company size: too large")
    return problems


def describe_error(exc):
    """Return a ValidationError as one line naming the fields ("country: Use a two-letter …")."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{FIELD_LABELS.get(name, name.replace('_', ' '))}: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def row_error(line, values, message):
    """Return the report entry of a refused row."""
    return {"line": line, "email": storable(values.get("email", "")[:_MAX_EMAIL]), "errors": message}


def storable(text):
    """Return text read from a file with its stray bytes shown as U+FFFD, so it can be stored and shown."""
    if _STRAY_BYTE.search(text):
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


@dataclass
class _Row:
    line: int
    email: str
    profile: dict
    utm: dict
    page_url: str
    channel: str
    campaign_id: int | None = None
    variant_id: int | None = None
    lead: Lead | None = None


@dataclass
class PreparedRows:
    """A batch's rows checked, and with a catalogue and config also attributed, grouped by e-mail
    and replayed as new leads: all the work a reader can do ahead of the database's."""

    rows: list  # the (line, values) given
    good: list  # _Row per good row, in order
    errors: list
    groups: dict | None = None  # e-mail → its rows, when attributed ahead
    new_plans: dict = field(default_factory=dict)  # e-mail → plan replayed as a new lead (timestamps unset)


def _group(rows):
    groups = {}
    for row in rows:
        groups.setdefault(row.email, []).append(row)
    return groups


def _validate(rows):
    """Split (line, values) rows into good _Rows and error entries, with lead_capture's checks and messages."""
    good, errors = [], []
    for line, values in rows:
        problems = row_problems(values)
        if problems:
            errors.append(row_error(line, values, "; ".join(problems)))
            continue
        try:
            email = normalize_email(values.get("email"))
            profile = _clean_profile(values)
        except ValidationError as exc:
            errors.append(row_error(line, values, describe_error(exc)))
            continue
        utm = {name: str(values.get(name) or "").strip()[:200] for name in UTM_FIELDS}
        good.append(
            _Row(
                line=line,
                email=email,
                profile=profile,
                utm=utm,
                page_url=str(values.get("page_url") or "")[:2000],
                channel=channel_from_utm(utm["utm_source"], utm["utm_medium"]),
            )
        )
    return good, errors


def _any_iexact(field_name, values):
    return functools.reduce(operator.or_, (Q(**{f"{field_name}__iexact": value}) for value in values))


@dataclass
class Catalogue:
    """Campaigns by utm_campaign and variants by (campaign, utm_content), both case-insensitive,
    each key to the first match in the model's order (the one .first() gives lead_capture)."""

    campaigns: dict
    variants: dict

    @classmethod
    def load(cls, *, utm_campaigns=None, campaign_ids=(), utm_contents=None):
        """Return the campaigns and variants the keys name (one query each), or all of them (no keys)."""
        campaigns = Campaign.objects.filter(archived=False)  # as lead_capture: no new attribution
        if utm_campaigns is not None:
            campaigns = (
                campaigns.filter(_any_iexact("utm_campaign", utm_campaigns)) if utm_campaigns else campaigns.none()
            )
        by_key = {}
        for pk, utm in campaigns.values_list("pk", "utm_campaign"):
            by_key.setdefault(utm.lower(), pk)
        variants = Variant.objects.all()
        if utm_contents is not None:
            ids = {*by_key.values(), *campaign_ids}
            variants = (
                variants.filter(campaign_id__in=ids).filter(_any_iexact("utm_content", utm_contents))
                if ids and utm_contents
                else variants.none()
            )
        by_pair = {}
        for pk, campaign_id, content in variants.values_list("pk", "campaign_id", "utm_content"):
            by_pair.setdefault((campaign_id, content.lower()), pk)
        return cls(campaigns=by_key, variants=by_pair)

    @classmethod
    def for_rows(cls, rows, default_campaign):
        """Return what a batch's rows name, in one query for campaigns and one for variants."""
        return cls.load(
            utm_campaigns={row.utm["utm_campaign"] for row in rows} - {""},
            campaign_ids=[default_campaign.pk] if default_campaign is not None else [],
            utm_contents={row.utm["utm_content"] for row in rows} - {""},
        )


def _resolve_campaigns(rows, default_campaign, catalogue):
    """Set each row's campaign (by utm_campaign, case-insensitive, else the default) and variant."""
    default_id = default_campaign.pk if default_campaign is not None and not default_campaign.archived else None
    for row in rows:
        key, content = row.utm["utm_campaign"], row.utm["utm_content"]
        row.campaign_id = (catalogue.campaigns.get(key.lower()) if key else None) or default_id
        if row.campaign_id is not None and content:
            row.variant_id = catalogue.variants.get((row.campaign_id, content.lower()))
