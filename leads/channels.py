"""Attribution of a touch to a channel from its utm fields."""

from campaigns.models import Channel

SOCIAL_SOURCES = frozenset(
    {"facebook", "fb", "instagram", "ig", "linkedin", "li", "twitter", "x", "tiktok", "reddit", "youtube", "pinterest"}
)
PAID_MEDIUMS = frozenset({"cpc", "ppc", "paid", "paidsearch", "paid_search", "sem", "cpm", "display"})
MEDIUM_CHANNELS = {
    "paid_social": Channel.PAID_SOCIAL,
    "paidsocial": Channel.PAID_SOCIAL,
    "social_paid": Channel.PAID_SOCIAL,
    "social": Channel.ORGANIC_SOCIAL,
    "social_media": Channel.ORGANIC_SOCIAL,
    "social-network": Channel.ORGANIC_SOCIAL,
    "organic_social": Channel.ORGANIC_SOCIAL,
    "email": Channel.EMAIL,
    "e-mail": Channel.EMAIL,
    "e_mail": Channel.EMAIL,
    "newsletter": Channel.EMAIL,
    "referral": Channel.REFERRAL,
    "partner": Channel.REFERRAL,
    "affiliate": Channel.REFERRAL,
    "webinar": Channel.WEBINAR,
    "event": Channel.EVENTS,
    "events": Channel.EVENTS,
    "conference": Channel.EVENTS,
    "tradeshow": Channel.EVENTS,
    "content": Channel.CONTENT,
    "blog": Channel.CONTENT,
    "organic": Channel.CONTENT,
    "seo": Channel.CONTENT,
    "direct_mail": Channel.DIRECT_MAIL,
    "directmail": Channel.DIRECT_MAIL,
    "print": Channel.DIRECT_MAIL,
    "postal": Channel.DIRECT_MAIL,
}


def channel_from_utm(utm_source="", utm_medium=""):
    """Map utm_medium/utm_source to a channel: cpc → paid search (paid social on a social
    source), social → organic social, email, …; none at all → direct; unknown → other."""
    source = (utm_source or "").strip().lower()
    medium = (utm_medium or "").strip().lower()
    if not source and not medium:
        return Channel.DIRECT
    if medium in PAID_MEDIUMS:
        return Channel.PAID_SOCIAL if source in SOCIAL_SOURCES else Channel.PAID_SEARCH
    if medium in MEDIUM_CHANNELS:
        return MEDIUM_CHANNELS[medium]
    if not medium:
        if source in SOCIAL_SOURCES:
            return Channel.ORGANIC_SOCIAL
        if source in {"newsletter", "mailchimp", "hubspot_email", "email"}:
            return Channel.EMAIL
        if source in {"direct", "(direct)"}:
            return Channel.DIRECT
        return Channel.REFERRAL
    return Channel.OTHER
