"""The capture serializer binds its fields once per thread instead of copying them per submission:
it must validate every body exactly as DRF's own copy-per-serializer does, keep nothing of one
submission for the next, and never share the fields between threads."""

import threading

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from leads.api_capture import CaptureSerializer, _CaptureFields

FIELDS = list(_CaptureFields._declared_fields)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=300),
    st.sampled_from(["ada@example.com", "not an e-mail", "", " x ", "\ud800", "a" * 2100, "true", "0"]),
    st.lists(st.text(max_size=5), max_size=2),
)
bodies = st.dictionaries(st.sampled_from([*FIELDS, "website", "unknown"]), values, max_size=10)


def outcome(serializer_class, body):
    serializer = serializer_class(data=body)
    valid = serializer.is_valid()
    return valid, (dict(serializer.validated_data) if valid else serializer.errors)


@hsettings(max_examples=300, deadline=None)
@given(first=bodies, second=bodies)
def test_every_body_is_validated_as_drfs_own_copies_would(first, second):
    # Two in a row on the shared fields: the second sees nothing of the first.
    assert outcome(CaptureSerializer, first) == outcome(_CaptureFields, first)
    assert outcome(CaptureSerializer, second) == outcome(_CaptureFields, second)


def test_submissions_in_one_thread_share_the_bound_fields_and_nothing_else():
    one, two = CaptureSerializer(data={"email": "bad"}), CaptureSerializer(data={"email": "ada@example.com"})
    assert one.fields["email"] is two.fields["email"]
    assert not one.is_valid() and two.is_valid()
    assert "email" in one.errors and two.errors == {}
    assert two.validated_data["email"] == "ada@example.com"


def test_each_thread_binds_fields_of_its_own():
    seen = {}

    def bind(name):
        seen[name] = CaptureSerializer(data={}).fields["email"]

    threads = [threading.Thread(target=bind, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bind("here")
    assert len({id(field) for field in seen.values()}) == 3
