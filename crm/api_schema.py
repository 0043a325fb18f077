"""The OpenAPI schema's shared parts: every operation documents the errors it can answer.

drf-spectacular documents success bodies only; a client (and schemathesis) needs the
error answers too, so this schema class adds them, all with one `Error` body.
"""

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import AllowAny

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "An error. `detail` says what went wrong; validation errors carry one list of messages per "
        "field instead (`non_field_errors` for the whole request). A stale lead (409) adds its "
        "`current_version` and `current_status`; an answered hand-off (409) its `current_outcome`."
    ),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "current_version": {"type": "integer"},
        "current_status": {"type": "string"},
        "current_outcome": {"type": "string"},
    },
    "additionalProperties": {},
}

DESCRIPTIONS = {
    "400": "Invalid input: messages per field.",
    "401": "Not signed in: send `Authorization: Token <key>` or a session cookie.",
    "403": "Signed in, but your role may not do this.",
    "404": "No such object (or page).",
    "409": "Refused because of the current state.",
    "415": "The body's media type is not one this operation reads (send JSON).",
    "429": "Too many requests: slow down (see Retry-After).",
}


class AutoSchema(openapi.AutoSchema):
    def _error_codes(self):
        codes = {"429"}
        if any(not isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes |= {"401", "403"}
        listing = self._is_list_view()
        if self.method in ("POST", "PUT", "PATCH") or listing:
            codes.add("400")  # bad input, or a filter value out of range
        if self.method in ("POST", "PUT", "PATCH"):
            codes.add("415")  # a body in a media type the operation does not read
        if "{" in self.path or listing:
            codes.add("404")  # unknown object, or a page/cursor that does not exist
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        component = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        for code in self._error_codes() | {code for code in responses if code >= "400"}:
            existing = responses.get(code, {})
            if "content" in existing:
                continue
            answer = self._get_response_for_code(component.ref, code, direction=direction)
            answer["description"] = existing.get("description") or DESCRIPTIONS.get(code, "Error.")
            responses[code] = answer
        return dict(sorted(responses.items()))
