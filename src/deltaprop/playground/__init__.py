"""The playground: a local web app that trains a network with the deltaprop engine while the
page shows its diagram, loss curve, decision map and, for any weight, where its gradient comes
from. ``deltaprop playground`` starts it (:func:`serve`); :class:`PlaygroundServer` serves one
:class:`Session` on 127.0.0.1 (see server.py for the security rules).
"""

from __future__ import annotations

from .server import PlaygroundServer, serve
from .session import Session

__all__ = ["PlaygroundServer", "Session", "serve"]
