"""JSON rendering: the explanation itself, in the stable schema of docs/explain.md."""

from __future__ import annotations

import json


def render(explanation: dict) -> str:
    # repr-exact floats (17 significant digits at most): the numbers survive a round trip.
    return json.dumps(explanation, indent=2, ensure_ascii=False) + "\n"
