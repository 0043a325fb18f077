"""Attribution of a touch to a channel from its utm fields."""

import pytest

from campaigns.models import Channel
from leads.channels import channel_from_utm


@pytest.mark.parametrize(
    ("source", "medium", "channel"),
    [
        ("google", "cpc", Channel.PAID_SEARCH),
        ("bing", "ppc", Channel.PAID_SEARCH),
        ("", "cpc", Channel.PAID_SEARCH),
        ("linkedin", "cpc", Channel.PAID_SOCIAL),
        ("facebook", "paid", Channel.PAID_SOCIAL),
        ("newsletter", "paid_social", Channel.PAID_SOCIAL),
        ("facebook", "social", Channel.ORGANIC_SOCIAL),
        ("twitter", "social_media", Channel.ORGANIC_SOCIAL),
        ("linkedin", "", Channel.ORGANIC_SOCIAL),
        ("hubspot", "email", Channel.EMAIL),
        ("weekly", "newsletter", Channel.EMAIL),
        ("newsletter", "", Channel.EMAIL),
        ("partner-co", "referral", Channel.REFERRAL),
        ("some-blog.example", "", Channel.REFERRAL),
        ("zoom", "webinar", Channel.WEBINAR),
        ("saastr", "event", Channel.EVENTS),
        ("blog", "content", Channel.CONTENT),
        ("google", "organic", Channel.CONTENT),
        ("postcard", "direct_mail", Channel.DIRECT_MAIL),
        ("", "", Channel.DIRECT),
        (None, None, Channel.DIRECT),
        ("   ", "  ", Channel.DIRECT),
        ("(direct)", "", Channel.DIRECT),
        ("podcast", "audio", Channel.OTHER),
        ("google", "carrier-pigeon", Channel.OTHER),
        # Case and padding do not matter.
        ("Google", "CPC", Channel.PAID_SEARCH),
        (" LinkedIn ", " Cpc ", Channel.PAID_SOCIAL),
        ("FACEBOOK", "Social", Channel.ORGANIC_SOCIAL),
        ("x", "NewsLetter", Channel.EMAIL),
    ],
)
def test_utm_fields_map_to_a_channel(source, medium, channel):
    assert channel_from_utm(source, medium) == channel


def test_missing_arguments_mean_a_direct_visit():
    assert channel_from_utm() == Channel.DIRECT
