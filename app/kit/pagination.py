"""Opaque cursors: base64 of a small JSON list, checked on the way back in."""

import base64
import binascii
import json
from typing import Any

from app.errors import InvalidInput


def encode_cursor(*values: Any) -> str:
    """Encode the sort key of the last item of a page."""
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """Decode a cursor, or answer 422 naming the `cursor` parameter."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidInput([("cursor", "not a cursor returned by this list")])
    return values
