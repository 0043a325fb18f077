"""The report API: the weekly numbers as JSON, from alignment.metrics like the dashboard and the digests."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from alignment.metrics import weekly_metrics
from alignment.serializers import WeekErrorSerializer, WeeklyReportSerializer
from crm.roles import ApiPerm, Perm
from crm.weeks import FIRST_WEEK, LAST_WEEK, InvalidWeek, Week


class WeeklyReportView(APIView):
    permission_classes = [ApiPerm]
    read_perm = Perm.READ

    @extend_schema(
        operation_id="reports_weekly",
        summary="The weekly numbers of one ISO week",
        description=(
            'Every figure of the weekly alignment report (README, "Weekly numbers"). Money is a decimal '
            "string with two places, rates are numbers from 0 to 1 or null."
        ),
        parameters=[
            OpenApiParameter(
                "week",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                pattern=r"^\d{4}-W\d{2}$",
                description=(
                    f"ISO week as YYYY-Www (e.g. 2026-W47, 2026-W53), from {FIRST_WEEK} to {LAST_WEEK} (the weeks "
                    "of the dates Tandem stores); default: the last complete week."
                ),
            )
        ],
        responses={
            200: WeeklyReportSerializer,
            400: OpenApiResponse(
                WeekErrorSerializer, description="The week is malformed, does not exist or is out of range."
            ),
        },
        tags=["reports"],
    )
    def get(self, request):
        label = request.query_params.get("week")
        try:
            week = Week.parse(label) if label is not None else None
        except InvalidWeek as exc:
            return Response({"week": [str(exc)]}, status=400)
        return Response(weekly_metrics(week).as_json())
