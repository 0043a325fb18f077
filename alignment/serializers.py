"""The report API's response shape, for the OpenAPI schema (README, "Weekly numbers" and "API")."""

from rest_framework import serializers


class _Counts(serializers.DictField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.IntegerField(), **kwargs)


class _Money(serializers.DictField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.DecimalField(max_digits=14, decimal_places=2), **kwargs)


def _rate(help_text):
    return serializers.FloatField(allow_null=True, min_value=0, max_value=1, help_text=help_text)


def _money(help_text="", **kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, help_text=help_text, **kwargs)


class NewLeadsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_source = _Counts(help_text="Leads created in the week by source channel.")
    by_campaign = _Counts(help_text="Leads created in the week by first-touch campaign slug.")


class HandoffsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    pending = serializers.IntegerField()
    acceptance_rate = _rate("accepted / (accepted + rejected); null when none was answered.")
    rejected_by_reason = _Counts()
    median_hours_to_accept = serializers.FloatField(allow_null=True)


class ServiceLevelSerializer(serializers.Serializer):
    responded_in_time_rate = _rate("Share answered by the deadline; pending past the deadline is a breach.")
    first_contact_in_time_rate = _rate("Share of accepted hand-offs first contacted by the deadline.")
    breaches = serializers.IntegerField()
    mqls = serializers.IntegerField()
    mql_target = serializers.IntegerField()


class RevenueBySourceSerializer(serializers.Serializer):
    first_touch = _Money()
    last_touch = _Money(help_text="Channel of the last touchpoint at or before entering sql.")
    linear = _Money(help_text="Equal shares over the touchpoints up to the win.")


class OutcomesSerializer(serializers.Serializer):
    won = serializers.IntegerField()
    revenue = _money()
    lost = serializers.IntegerField()
    lost_by_reason = _Counts()
    revenue_by_source = RevenueBySourceSerializer()


class CampaignRowSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    spend = _money()
    new_leads = serializers.IntegerField()
    mqls = serializers.IntegerField()
    wins = serializers.IntegerField()
    revenue = _money()
    cost_per_lead = _money(allow_null=True)
    cost_per_win = _money(allow_null=True)
    roi = serializers.FloatField(allow_null=True, help_text="(revenue − spend) / spend; null when spend is 0.")


class CapacityRowSerializer(serializers.Serializer):
    rep = serializers.CharField(help_text="Username of an active sales rep.")
    open_leads = serializers.IntegerField()
    capacity = serializers.IntegerField()
    handoffs_received = serializers.IntegerField()


class TrendPointSerializer(serializers.Serializer):
    week = serializers.CharField()
    new_leads = serializers.IntegerField()
    mqls = serializers.IntegerField()
    acceptance_rate = _rate("As in handoffs.")
    won = serializers.IntegerField()
    revenue = _money()


class ContactFiguresSerializer(serializers.Serializer):
    handed_off = serializers.IntegerField(help_text="Hand-offs created in the week and not rejected.")
    contacted = serializers.IntegerField(help_text="Of those, first contacted by the assignee (call, e-mail, meeting).")
    median_minutes = serializers.FloatField(allow_null=True, help_text="Working minutes from hand-off to contact.")
    p90_minutes = serializers.FloatField(allow_null=True, help_text="90th percentile (nearest rank), working minutes.")
    within_5_min_rate = _rate("Share of the hand-offs contacted within 5 working minutes.")
    within_30_min_rate = _rate("Share contacted within 30 working minutes.")
    within_60_min_rate = _rate("Share contacted within 60 working minutes.")
    within_sla_rate = _rate("Share contacted by the first-contact deadline (or before acceptance).")
    not_contacted_rate = _rate("Share not contacted yet.")


class FirstContactSerializer(ContactFiguresSerializer):
    by_rep = serializers.DictField(child=ContactFiguresSerializer(), help_text="By assignee username.")
    by_source = serializers.DictField(child=ContactFiguresSerializer(), help_text="By the lead's source channel.")


class WeeklyReportSerializer(serializers.Serializer):
    week = serializers.CharField(help_text="ISO week, YYYY-Www.")
    start = serializers.DateTimeField(help_text="Monday 00:00 in the server's TIME_ZONE.")
    end = serializers.DateTimeField(help_text="The next Monday 00:00 (exclusive).")
    currency = serializers.CharField(
        help_text="ISO 4217 code of every amount in the report (the team's CURRENCY setting), e.g. EUR."
    )
    new_leads = NewLeadsSerializer()
    funnel = _Counts(help_text="Leads entering each status in the week.")
    handoffs = HandoffsSerializer()
    service_level = ServiceLevelSerializer()
    outcomes = OutcomesSerializer()
    campaigns = CampaignRowSerializer(many=True)
    capacity = CapacityRowSerializer(many=True)
    first_contact = FirstContactSerializer(help_text="Speed to lead, in the team's working minutes.")
    trend = TrendPointSerializer(many=True, help_text="The eight weeks before, oldest first.")


class WeekErrorSerializer(serializers.Serializer):
    week = serializers.ListField(child=serializers.CharField())
