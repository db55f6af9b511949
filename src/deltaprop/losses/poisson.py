"""The Poisson deviance (halved) with the log link: counts against the mean e^z."""

from __future__ import annotations

import numpy as np

from ..engine import Tensor
from ..engine import functional as F
from ..errors import DataError
from . import targets
from .base import Loss, register_loss
from .inference import as_tensor


@register_loss
class Poisson(Loss):
    """E = e^z - t z + t ln t - t per element (the Poisson deviance halved) with the log link:
    the network's output z is the log of the predicted mean, ``mu = e^z``, for counts t >= 0.

    End the network with an identity layer; ``predict`` turns z into the mean ``e^z``. The
    ``t ln t - t`` term does not depend on z (it makes E = 0 for a perfect fit, as
    scikit-learn's Poisson loss). dE/dz = e^z - t; "mean" divides by every element.
    """

    name = "poisson"
    kind = "regression"

    def __call__(self, out, target, weight=None) -> Tensor:
        return F.poisson_loss(as_tensor(out), as_tensor(target), self.reduction, weight)

    def prepare_target(self, y, n_outputs, dtype):
        y = targets.real_rows(y, n_outputs, dtype)
        if np.any(y < 0):
            raise DataError(f"poisson targets must be counts >= 0; got {y[y < 0][0].item()!r}")
        return y

    def predict(self, out):
        return np.exp(out)
