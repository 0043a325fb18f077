"""The public website capture endpoint: POST /api/v1/capture/<form_key>/.

Websites post here from other origins, so it uses no session (and so no CSRF):
anyone may post, a form key chooses the form, CORS (leads.capture) admits only the
form's allowed origins, and throttles per IP and per form bound the flood. Every bad
body answers 4xx with a message; nothing valid is dropped.
"""

import logging
import threading
import uuid
from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from crm.client_ip import client_ip
from crm.parsers import NestingLimitedJSONParser
from leads.capture import capture_form_read_now, enabled_capture_form, origin_allowed
from leads.models import Touchpoint
from leads.scoring import ScoringConfig
from leads.services import StaleCaptureConfig, lead_capture

logger = logging.getLogger(__name__)

# A lead is a few hundred bytes; anything far bigger is not a form post.
MAX_BODY_BYTES = 16 * 1024
# Filled only by bots: people never see it (the snippet hides it off-screen).
HONEYPOT_FIELD = "website"


class TextField(serializers.CharField):
    """A CharField that refuses text the database cannot store (lone surrogates from JSON)."""

    default_error_messages = {"invalid_text": "Contains characters that are not valid text."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("invalid_text")
        return value


class TrackingField(TextField):
    """Optional tracking text (utm, page URL): cut to ``limit`` rather than refused, since the
    visitor who submits the form cannot shorten the page's URL."""

    def __init__(self, *, limit, **kwargs):
        self.limit = limit
        super().__init__(required=False, allow_blank=True, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data)[: self.limit]


class CaptureEmailField(serializers.EmailField, TextField):
    pass


def _optional(max_length):
    return TextField(max_length=max_length, required=False, allow_blank=True, allow_null=True)


class _CaptureFields(serializers.Serializer):
    """The fields of a website form submission. Unknown fields are ignored."""

    email = CaptureEmailField(max_length=254)
    first_name = _optional(100)
    last_name = _optional(100)
    company = _optional(200)
    title = _optional(200)
    phone = _optional(40)
    utm_source = TrackingField(limit=200)
    utm_medium = TrackingField(limit=200)
    utm_campaign = TrackingField(limit=200)
    utm_content = TrackingField(limit=200)
    utm_term = TrackingField(limit=200)
    page_url = TrackingField(limit=2000)
    consent = serializers.BooleanField(
        required=False, default=False, help_text="The consent box was ticked (a form may require it)."
    )


_per_thread = threading.local()


class CaptureSerializer(_CaptureFields):
    """A website form submission. Unknown fields are ignored.

    DRF gives every serializer a deep copy of its declared fields, which was most of a capture's
    validation time. These fields keep no state of a submission once bound (validation reads
    them and returns values and errors), and a thread validates one submission at a time, so each
    thread binds one copy, to a serializer of its own, and every submission it handles shares it.
    """

    @cached_property
    def fields(self):
        fields = getattr(_per_thread, "capture_fields", None)
        if fields is None:
            fields = _per_thread.capture_fields = _CaptureFields().fields
        return fields


CaptureResultSerializer = inline_serializer(
    name="CaptureResult", fields={"lead_id": serializers.IntegerField(), "created": serializers.BooleanField()}
)
DetailSerializer = inline_serializer(name="CaptureDetail", fields={"detail": serializers.CharField()})


class _FailOpenThrottle(SimpleRateThrottle):
    """A cache-backed rate limit that lets requests through when the cache is down.

    Losing a lead because Redis restarted is worse than a minute without a limit.
    """

    def get_rate(self):
        # Read at request time (not at import) so a settings override takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # any cache backend's connection error: fail open, loudly
            logger.warning("Capture rate limit %r skipped: the cache is unavailable.", self.scope, exc_info=True)
            return True

    def admits(self, history, now):
        """SimpleRateThrottle.allow_request on a history already read: drop the requests older
        than the window and return whether this one fits (then it is added to the history)."""
        self.history, self.now = history, now
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return False
        self.history.insert(0, self.now)
        return True


# A sliding window per key, checked and counted in one atomic step for every key of a request:
# two workers can no longer both read "599" and both write "600" (a read-then-write let 650-odd
# captures a minute through a 600/minute limit). ARGV: now (seconds), a unique member, then a
# limit and a window (seconds) per key. Answers, per key, -1 when admitted, else the seconds to wait.
SLIDING_WINDOW_LUA = """
local now = tonumber(ARGV[1])
local member = ARGV[2]
local answers = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) < limit then
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, math.ceil(window * 1000))
    answers[i] = -1
  else
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    answers[i] = math.max(0, math.ceil(tonumber(oldest[2]) + window - now))
  end
end
return answers
"""


def _redis_client(cache):
    """Return the redis-py client behind a Django Redis cache, or None for other caches."""
    inner = getattr(cache, "_cache", None)
    get_client = getattr(inner, "get_client", None)
    return get_client(write=True) if get_client is not None and hasattr(cache, "make_key") else None


def _count_in_redis(client, cache, keyed, now):
    """Check and count every throttle in one atomic script run; return the waits of those refusing."""
    keys = [cache.make_key(f"rate:{throttle.key}") for throttle in keyed]
    argv = [repr(now), uuid.uuid4().hex]
    for throttle in keyed:
        argv += [throttle.num_requests, throttle.duration]
    answers = client.eval(SLIDING_WINDOW_LUA, len(keys), *keys, *argv)
    return [float(answer) for answer in answers if int(answer) >= 0]


def _count_in_cache(cache, keyed, now):
    """The same decisions on any Django cache: one read and one write (atomic only per process)."""
    histories = cache.get_many([throttle.key for throttle in keyed])
    waits, writes = [], {}
    for throttle in keyed:
        if throttle.admits(list(histories.get(throttle.key, [])), now):
            writes.setdefault(throttle.duration, {})[throttle.key] = throttle.history
        else:
            waits.append(throttle.wait())
    for duration, values in writes.items():
        cache.set_many(values, duration)
    return waits


def check_throttles_together(throttles, request, view):
    """Apply SimpleRateThrottles in one round trip, counting atomically on Redis.

    The same decisions as DRF's APIView.check_throttles: each throttle keeps a sliding window
    of its rate; every throttle is checked and counted even when another refuses, as DRF does.
    Returns the waits of the throttles that refused. When the cache is down, the request passes.
    """
    keyed = []
    for throttle in throttles:
        if throttle.rate is None:
            continue
        throttle.key = throttle.get_cache_key(request, view)
        if throttle.key is not None:
            keyed.append(throttle)
    if not keyed:
        return []
    cache = keyed[0].cache
    now = keyed[0].timer()
    try:
        client = _redis_client(cache)
        if client is not None:
            return _count_in_redis(client, cache, keyed, now)
        return _count_in_cache(cache, keyed, now)
    except Exception:  # any cache backend's connection error: fail open, loudly
        scopes = ", ".join(repr(throttle.scope) for throttle in keyed)
        logger.warning("Capture rate limits %s skipped: the cache is unavailable.", scopes, exc_info=True)
        return []


class CaptureIPThrottle(_FailOpenThrottle):
    scope = "capture_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class CaptureFormThrottle(_FailOpenThrottle):
    scope = "capture_form"

    def get_cache_key(self, request, view):
        form = getattr(view, "capture_form", None)
        if form is None:  # unknown keys are answered 404 and must not fill the cache
            return None
        return self.cache_format % {"scope": self.scope, "ident": form.pk}


def _content_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _origin_may_post(request, form, origin):
    """Return whether a browser page on ``origin`` may post: an allowed origin, or Tandem itself."""
    return origin_allowed(form, origin) or origin == f"{request.scheme}://{request.get_host()}"


def _honeypot_filled(data):
    value = data.get(HONEYPOT_FIELD) if isinstance(data, Mapping) else None
    return value is not None and str(value).strip() != ""


class _DecideAgain(Exception):
    """The capture form this process read for an earlier request refused, or changed since."""


class CaptureView(APIView):
    """Record a lead (or a new touch of a known one) from a website form."""

    authentication_classes = []
    permission_classes = [AllowAny]
    # Multipart too: a page posting `new FormData(form)` sends it, and its lead is as valid.
    parser_classes = [NestingLimitedJSONParser, FormParser, MultiPartParser]
    renderer_classes = [JSONRenderer]
    throttle_classes = [CaptureIPThrottle, CaptureFormThrottle]

    def initial(self, request, *args, **kwargs):
        # Resolved before the throttles, which count per form; with it, in the same statement,
        # the versions it answers at (or taken from the CORS check, which looked it up first, or
        # from this process's earlier reads: then no query at all).
        self.capture_form = enabled_capture_form(request._request, kwargs.get("form_key"))
        super().initial(request, *args, **kwargs)

    def check_throttles(self, request):
        # Two rate limits: two cache round trips instead of DRF's four (a get and a set each).
        waits = check_throttles_together(self.get_throttles(), request, self)
        if waits:
            self.throttled(request, max((wait for wait in waits if wait is not None), default=None))

    @extend_schema(
        operation_id="capture_submit",
        summary="Capture a lead from a website form",
        description=(
            "Public endpoint for website forms (no authentication, CORS for the form's allowed origins). "
            "JSON or form-encoded. A known e-mail gets a new touchpoint instead of a second lead. "
            f"Bodies over {MAX_BODY_BYTES // 1024} KB are refused; unknown fields are ignored; "
            f"a filled `{HONEYPOT_FIELD}` field (a bot trap) is answered as a success and saved nowhere."
        ),
        tags=["capture"],
        auth=[],
        request={"application/json": CaptureSerializer, "application/x-www-form-urlencoded": CaptureSerializer},
        responses={
            201: OpenApiResponse(CaptureResultSerializer, description="A new lead was created."),
            200: OpenApiResponse(CaptureResultSerializer, description="The e-mail is known: a touchpoint was added."),
            400: OpenApiResponse(description='Field errors, e.g. {"email": ["Enter a valid email address."]}.'),
            403: OpenApiResponse(
                DetailSerializer, description="Posted by a page on an origin the form does not allow."
            ),
            404: OpenApiResponse(DetailSerializer, description="Unknown or disabled form key."),
            413: OpenApiResponse(DetailSerializer, description="Body too large."),
            415: OpenApiResponse(DetailSerializer, description="Neither JSON nor form-encoded."),
            429: OpenApiResponse(DetailSerializer, description="Rate-limited (per IP and per form)."),
        },
        examples=[
            OpenApiExample(
                "Website form",
                value={"email": "ada@example.com", "first_name": "Ada", "utm_source": "google", "utm_medium": "cpc"},
                request_only=True,
            )
        ],
    )
    def post(self, request, form_key):
        try:
            return self._submit(request, read_now=capture_form_read_now(request._request))
        except _DecideAgain:
            # The form came from this process's earlier reads and refused, or changed since: the
            # answer is given on the form as the database has it now.
            self.capture_form = enabled_capture_form(request._request, form_key, fresh=True)
            return self._submit(request, read_now=True)

    def _submit(self, request, *, read_now):
        """Answer the submission on ``self.capture_form``. A form read for an earlier request only
        admits: a refusal it decides, or its versions found changed, raise _DecideAgain."""
        form = self.capture_form
        if form is None:
            return Response({"detail": "Unknown or disabled form."}, status=status.HTTP_404_NOT_FOUND)
        origin = request.headers.get("origin")
        if origin and not _origin_may_post(request, form, origin):
            if not read_now:
                raise _DecideAgain
            # CORS alone would only hide the answer: a browser's simple POST still arrives.
            return Response(
                {"detail": "This website is not among the form's allowed origins."}, status=status.HTTP_403_FORBIDDEN
            )
        if _content_length(request) > MAX_BODY_BYTES:
            return Response(
                {"detail": f"The request body is larger than {MAX_BODY_BYTES // 1024} KB."},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            data = request.data
        except exceptions.APIException:
            raise  # malformed JSON (400) or an unsupported content type (415), answered by DRF
        except Exception:  # too many fields, an unusable charset, nesting too deep: still the sender's fault
            logger.info("Unreadable capture body for form %s", form.pk, exc_info=True)
            return Response(
                {"detail": "The request body could not be read as JSON or form data."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if _honeypot_filled(data):
            logger.info("Capture honeypot filled on form %s; nothing saved.", form.pk)
            return Response({"lead_id": None, "created": True}, status=status.HTTP_201_CREATED)
        serializer = CaptureSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = {k: v for k, v in serializer.validated_data.items() if v is not None}
        consented = values.pop("consent", False)
        try:
            result = lead_capture(
                data=values,
                kind=Touchpoint.Kind.FORM,
                form=form,
                consented=consented,
                config=ScoringConfig.current(version=form.scoring_version),
                versions=None if read_now else (form.scoring_version, form.capture_version),
            )
        except StaleCaptureConfig:
            raise _DecideAgain from None
        except DjangoValidationError as exc:
            if not read_now:
                raise _DecideAgain from None
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"lead_id": result.lead.pk, "created": result.created},
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )
