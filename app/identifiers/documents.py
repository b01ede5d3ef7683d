"""Bill of lading, invoice and permit numbers."""

import re

_SEPARATORS = re.compile(r"[\s\-/._]")
_SHAPE = re.compile(r"[A-Z0-9]+")
MAX_LENGTH = 35


def normalize_document_number(value: str) -> str:
    """Return the document number upper-cased without separators, or raise ValueError."""
    number = _SEPARATORS.sub("", value).upper()
    if not number:
        raise ValueError("must contain at least one letter or digit")
    if not _SHAPE.fullmatch(number):
        raise ValueError("may contain only letters A-Z, digits and the separators space - / . _")
    if len(number) > MAX_LENGTH:
        raise ValueError(
            f"must be at most {MAX_LENGTH} letters and digits once separators are removed"
        )
    return number
