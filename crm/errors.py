"""The refusals every app's services raise, so the API answers them without importing any app.

A service raises a subclass of ``Refused`` when the rules say no; ``crm.api_errors`` turns it
into JSON with the class's ``http_status`` and ``api_body()``. Pages show ``str(exc)``.
"""


class Refused(Exception):
    """A change that the rules refuse: 400 with the message (override for another status or body)."""

    http_status = 400
    code = "refused"

    def api_body(self):
        """Return the JSON body the API answers with."""
        return {"detail": str(self), "code": self.code}


class Conflict(Refused):
    """A change that the current state refuses (stale version, already answered): 409."""

    http_status = 409
    code = "conflict"
