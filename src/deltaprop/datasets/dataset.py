"""The container every bundled data set comes in."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Dataset:
    """Features ``X`` (n_samples, n_features), targets ``y``, and their names."""

    X: np.ndarray
    y: np.ndarray
    feature_names: list = field(default_factory=list)
    target_names: list = field(default_factory=list)
    description: str = ""
    #: Initial parameters of a teaching example's network, by ``Sequential`` parameter name
    #: (weights in Dense's (inputs, units) layout); empty for ordinary data sets.
    initial_weights: dict = field(default_factory=dict)

    def __iter__(self):  # X, y = load_digits()
        return iter((self.X, self.y))
