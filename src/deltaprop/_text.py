"""Internal: small helpers for the words of messages and command-line output."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``count`` and ``noun``, the noun in the plural unless the count is one; thousands are
    separated by commas.

    >>> plural(1, "feature"), plural(3, "epoch"), plural(10_000, "update")
    ('1 feature', '3 epochs', '10,000 updates')
    >>> plural(2, "class", "classes")
    '2 classes'
    """
    word = noun if count == 1 else (plural_form or f"{noun}s")
    return f"{count:,} {word}"
