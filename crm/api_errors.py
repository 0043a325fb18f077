"""The API's errors as JSON: service refusals become 400 or 409 with messages, never 500.

DRF already answers its own errors (parse errors, validation, 401/403/404, throttling).
This handler adds the refusals of the services that pages and API share (``crm.errors``), so a script reads
the same refusal a person sees on the page.
"""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from crm.errors import Refused

logger = logging.getLogger(__name__)


def _answer(body, code):
    set_rollback()
    return Response(body, status=code)


def exception_handler(exc, context):
    """Turn service errors and Django's ValidationError into JSON answers; defer the rest to DRF."""
    if isinstance(exc, Refused):
        return _answer(exc.api_body(), exc.http_status)
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(detail=as_serializer_error(exc))
    if isinstance(exc, IntegrityError):
        # A concurrent write won a unique constraint after our validation passed.
        logger.info("API write lost a race: %s", exc)
        return _answer(
            {"detail": "This conflicts with data saved meanwhile; reload and try again.", "code": "conflict"},
            status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
