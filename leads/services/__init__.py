"""Writes on leads. Every change of a lead goes through one of these functions.

Each takes the acting user as ``actor`` (None for the system: the website form, a task)
and never a request, so pages, the API, imports and tasks share them. The parts:

- ``base``: the refusals, e-mail keys, row locks and version bumps the others share;
- ``lifecycle``: ``lead_transition``, the one writer of a lead's status;
- ``capture``: ``lead_capture``, the one path by which a person becomes a lead;
- ``profile``: edits of the profile and the owner, and the recompute of scores;
- ``activities``: calls, meetings, e-mails, tasks and reported touchpoints;
- ``merge``: a duplicate folded into the lead that survives.
"""

from leads.services.activities import (
    activity_log,
    activity_problems,
    assignee_problems,
    task_complete,
    touchpoint_record_reported,
)
from leads.services.base import (
    MAX_COMPANY_SIZE,
    PROFILE_FIELDS,
    UTM_FIELDS,
    InvalidTransition,
    LeadError,
    StaleLead,
    _insert_unless_taken,
    lead_by_email,
    normalize_email,
)
from leads.services.capture import CaptureResult, StaleCaptureConfig, _apply_touch, _clean_profile, lead_capture
from leads.services.lifecycle import lead_transition
from leads.services.merge import MergeRefused, lead_merge
from leads.services.profile import lead_assign_owner, lead_update, scores_recompute

__all__ = [
    "MAX_COMPANY_SIZE",
    "PROFILE_FIELDS",
    "UTM_FIELDS",
    "CaptureResult",
    "InvalidTransition",
    "LeadError",
    "MergeRefused",
    "StaleCaptureConfig",
    "StaleLead",
    "_apply_touch",
    "_clean_profile",
    "_insert_unless_taken",
    "activity_log",
    "activity_problems",
    "assignee_problems",
    "lead_assign_owner",
    "lead_by_email",
    "lead_capture",
    "lead_merge",
    "lead_transition",
    "lead_update",
    "normalize_email",
    "scores_recompute",
    "task_complete",
    "touchpoint_record_reported",
]
