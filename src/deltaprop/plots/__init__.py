"""Figures of networks and their training, drawn with matplotlib (the optional ``plot`` extra:
``pip install deltaprop[plot]``). Each function returns a ``matplotlib.figure.Figure``; save it
with ``fig.savefig("name.png")`` (or ``.svg``, ``.pdf``).

- :func:`plot_network`: the network as neurons and edges, coloured by sign, sized by |w|.
- :func:`plot_history`: loss, validation loss, metrics and learning rate per epoch.
- :func:`plot_decision_boundary`: class probabilities over two features, with the points.
- :func:`plot_error_curve`: E against one weight, the backprop tangent and a descent step.

The numbers drawn come from :mod:`deltaprop.explanation` (curve, diagram, boundary), which
computes them with the engine; the figures only draw them.
"""

from __future__ import annotations

from .boundary import plot_decision_boundary
from .curve import plot_error_curve
from .history import plot_history
from .network import plot_network

__all__ = ["plot_decision_boundary", "plot_error_curve", "plot_history", "plot_network"]
