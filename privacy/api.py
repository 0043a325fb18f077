"""The personal-data API: one lead's export and erasure (managers)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.roles import ApiPerm, Perm
from leads.models import Lead
from privacy.services import person_erase, person_export


class PersonExportView(APIView):
    permission_classes = [ApiPerm]
    read_perm = Perm.MANAGE_TEAM

    @extend_schema(
        operation_id="privacy_lead_export",
        summary="Everything Tandem holds about the lead's person",
        responses={200: OpenApiTypes.OBJECT},
        tags=["privacy"],
    )
    def get(self, request, id):
        return Response(person_export(lead=get_object_or_404(Lead, pk=id)))


class PersonEraseView(APIView):
    permission_classes = [ApiPerm]
    write_perm = Perm.MANAGE_TEAM

    @extend_schema(
        operation_id="privacy_lead_erase",
        summary="Erase the lead's personal data, keeping what the weekly numbers count",
        request=None,
        responses={
            200: OpenApiTypes.OBJECT,
            409: OpenApiResponse(description="The person's data is already erased."),
        },
        tags=["privacy"],
    )
    def post(self, request, id):
        lead = person_erase(lead=get_object_or_404(Lead, pk=id), actor=request.user)
        return Response({"lead_id": lead.pk, "erased": True})
