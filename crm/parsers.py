"""The API's JSON parser, with a nesting limit.

Python's JSON decoder recurses once per level: a body of 100,000 opening brackets raises
RecursionError, which DRF does not catch (500), and a few thousand levels that do decode
cost every later walk of the data (validation, logging) the same recursion. No request of
the API nests deeper than a few levels, so anything past MAX_DEPTH is the sender's error (400).
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def json_depth(value):
    """Return how deeply lists and objects nest in a decoded JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class NestingLimitedJSONParser(JSONParser):
    """DRF's JSONParser answering 400 for JSON nested deeper than MAX_DEPTH levels."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {self.max_depth} levels.") from None
        if json_depth(data) > self.max_depth:
            raise ParseError(f"JSON parse error - nested deeper than {self.max_depth} levels.")
        return data
