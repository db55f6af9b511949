"""Network specs for explain: layer sizes, activations, weights (or a seed), data, loss, lr.

A spec is a JSON (or TOML) document; :func:`parse_spec` validates it field by field and
raises :class:`~deltaprop.errors.SpecError` naming the field, the rule and the value.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._files import parse_json, parse_toml, read_regular
from ..errors import SpecError
from ..nn import activations


def activation_names() -> tuple[str, ...]:
    """Activations explain can lay out neuron by neuron: the registered element-wise ones."""
    return activations.names(elementwise_only=True)


REDUCTIONS = ("sum_half", "mean", "sum")
BIAS_MODES = ("per_neuron", "shared", "none")
#: Bounds on what a spec may ask for: a spec describes a network small enough to show every
#: number of (the worked example has 8 weights).
MAX_SPEC_BYTES = 4 * 2**20
MAX_SPEC_WEIGHTS = 100_000

_TOP_KEYS = {
    "title",
    "description",
    "inputs",
    "targets",
    "layers",
    "loss",
    "lr",
    "update_biases",
    "seed",
    "names",
}
_LAYER_KEYS = {"units", "activation", "weights", "bias", "biases"}


@dataclass
class LayerSpec:
    """One dense layer: ``weights`` has one row per neuron (shape (units, inputs))."""

    units: int
    activation: str = "logistic"
    weights: np.ndarray | None = None
    bias: str = "per_neuron"
    biases: np.ndarray | None = None


@dataclass
class NetworkSpec:
    """Everything explain needs to run training steps of a small network in float64.

    ``names`` may give ``neurons`` (one list per layer, inputs first), ``weights`` (one list
    per layer, row-major over (neuron, input)) and ``biases`` (one list per layer).
    """

    inputs: np.ndarray
    targets: np.ndarray
    layers: list[LayerSpec]
    reduction: str = "sum_half"
    lr: float = 0.5
    update_biases: bool = True
    seed: int | None = None
    title: str = "network"
    description: str = ""
    names: dict = field(default_factory=dict)


def load_spec(path) -> NetworkSpec:
    """Read a spec from a ``.json`` or ``.toml`` file (see docs/explain.md for the fields)."""
    path = Path(path)
    where = f"spec file {str(path)!r}"
    if not path.exists():
        raise SpecError(f"{where} cannot be read: No such file or directory")
    raw = read_regular(path, "spec file", SpecError, MAX_SPEC_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{where} must be UTF-8 text; {exc}") from exc
    if path.suffix.lower() == ".toml":
        try:
            import tomllib  # noqa: F401  (Python >= 3.11)
        except ImportError as exc:  # Python < 3.11
            raise SpecError(
                f"{where} is TOML, which needs Python 3.11 or later "
                "(tomllib); write it as JSON instead"
            ) from exc
        data = parse_toml(text, where, SpecError)
    else:
        data = parse_json(text, where, SpecError)
    try:
        return parse_spec(data)
    except SpecError as exc:  # say which file, as for the syntax errors above
        raise SpecError(f"spec file {str(path)!r}: {exc}") from exc


def parse_spec(data) -> NetworkSpec:
    """Validate a spec given as a dict and return a :class:`NetworkSpec`.

    >>> spec = parse_spec({"inputs": [[1.0]], "targets": [[2.0]],
    ...                    "layers": [{"units": 1, "activation": "identity",
    ...                                "weights": [[3.0]], "bias": "none"}]})
    >>> spec.layers[0].weights.tolist(), spec.reduction
    ([[3.0]], 'sum_half')
    """
    if not isinstance(data, dict):
        raise SpecError(f"a spec must be an object (a mapping); got {type(data).__name__}")
    _check_fields("spec", data, _TOP_KEYS)
    for key in ("inputs", "targets", "layers"):
        if key not in data:
            raise SpecError(f"spec must have the field {key!r}; it is missing")
    inputs = _matrix("inputs", data["inputs"])
    targets = _matrix("targets", data["targets"])
    if targets.shape[0] != inputs.shape[0]:
        raise SpecError(
            f"targets must have one row per input row ({inputs.shape[0]}); got {targets.shape[0]}"
        )
    raw_layers = data["layers"]
    if not isinstance(raw_layers, list) or not raw_layers:
        raise SpecError(f"layers must be a non-empty list of layers; got {raw_layers!r}")
    layers = []
    n_in = inputs.shape[1]
    for k, raw in enumerate(raw_layers):
        layers.append(_layer(f"layers[{k}]", raw, n_in))
        n_in = layers[-1].units
    if targets.shape[1] != n_in:
        raise SpecError(
            f"targets must have {n_in} columns (the last layer's units); got {targets.shape[1]}"
        )
    loss = data.get("loss", "sum_half")
    if isinstance(loss, dict):
        if loss.get("name", "squared_error") != "squared_error":
            raise SpecError(f"loss.name must be 'squared_error'; got {loss.get('name')!r}")
        loss = loss.get("reduction", "sum_half")
    if loss == "squared_error":
        loss = "sum_half"
    if loss not in REDUCTIONS:
        raise SpecError(
            f"loss must be one of {', '.join(REDUCTIONS)} (squared error with that reduction); "
            f"got {loss!r}"
        )
    lr = data.get("lr", 0.5)
    if not _is_real(lr) or not lr > 0:
        raise SpecError(f"lr must be a number > 0; got {lr!r}")
    update_biases = data.get("update_biases", True)
    if not isinstance(update_biases, bool):
        raise SpecError(f"update_biases must be true or false; got {update_biases!r}")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise SpecError(f"seed must be a non-negative integer; got {seed!r}")
    if seed is None:
        for k, layer in enumerate(layers):
            if layer.weights is None:
                raise SpecError(f"layers[{k}].weights is missing; give the weights or a seed")
            if layer.bias != "none" and layer.biases is None:
                raise SpecError(f"layers[{k}].biases is missing; give the biases or a seed")
    spec = NetworkSpec(
        inputs=inputs,
        targets=targets,
        layers=layers,
        reduction=loss,
        lr=float(lr),
        update_biases=update_biases,
        seed=seed,
        title=_text("title", data.get("title", "network")),
        description=_text("description", data.get("description", "")),
        names=_names(data.get("names", {}), inputs.shape[1], layers),
    )
    return spec


def _check_fields(name, mapping, allowed) -> None:
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise SpecError(
            f"{name} has unknown field {unknown[0]!r}; the fields are {', '.join(sorted(allowed))}"
        )


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _text(name, value) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{name} must be a string; got {value!r}")
    return value


def _short(value, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 20]}... ({len(text)} characters)"


def _matrix(name, value, shape=None) -> np.ndarray:
    """A finite float64 matrix; a flat list of numbers is one row."""
    rows = value
    if isinstance(rows, list) and rows and all(_is_real(v) for v in rows):
        rows = [rows]
    if (
        not isinstance(rows, list)
        or not rows
        or not all(isinstance(r, list) and r and all(_is_real(v) for v in r) for r in rows)
        or len({len(r) for r in rows}) != 1
    ):
        raise SpecError(
            f"{name} must be a non-empty list of rows of equal length holding finite numbers; "
            f"got {_short(value)}"
        )
    array = np.array(rows, dtype=np.float64)
    if shape is not None and array.shape != shape:
        raise SpecError(f"{name} must have shape {shape}; got {array.shape}")
    return array


def _layer(name, raw, n_in) -> LayerSpec:
    if not isinstance(raw, dict):
        raise SpecError(f"{name} must be an object with 'units' and 'activation'; got {raw!r}")
    _check_fields(name, raw, _LAYER_KEYS)
    units = raw.get("units")
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise SpecError(f"{name}.units must be an integer >= 1; got {units!r}")
    if units * n_in > MAX_SPEC_WEIGHTS:
        raise SpecError(
            f"{name}.units is {units}: {units} x {n_in} inputs = {units * n_in} weights, more "
            f"than the {MAX_SPEC_WEIGHTS} an explained network may have (every number is shown)"
        )
    activation = raw.get("activation", "logistic")
    if activation not in activation_names():
        raise SpecError(
            f"{name}.activation must be one of {', '.join(activation_names())}; got {activation!r}"
        )
    bias = raw.get("bias", "per_neuron")
    if bias is True:
        bias = "per_neuron"
    elif bias is False:
        bias = "none"
    if bias not in BIAS_MODES:
        raise SpecError(f"{name}.bias must be one of {', '.join(BIAS_MODES)}; got {bias!r}")
    weights = None
    if "weights" in raw:
        weights = _matrix(f"{name}.weights", raw["weights"], (units, n_in))
    biases = None
    if "biases" in raw:
        if bias == "none":
            raise SpecError(f"{name}.biases is given but {name}.bias is 'none'")
        count = 1 if bias == "shared" else units
        values = raw["biases"]
        if _is_real(values):
            values = [values]
        biases = _matrix(f"{name}.biases", values, (1, count))[0]
    return LayerSpec(units, activation, weights, bias, biases)


def _names(raw, n_inputs, layers) -> dict:
    if not isinstance(raw, dict):
        raise SpecError(f"names must be an object with neurons/weights/biases; got {raw!r}")
    sizes = [n_inputs] + [layer.units for layer in layers]
    expected = {
        "neurons": sizes,
        "weights": [layer.units * n for layer, n in zip(layers, sizes)],
        "biases": [
            0 if layer.bias == "none" else 1 if layer.bias == "shared" else layer.units
            for layer in layers
        ],
    }
    out = {}
    for key, value in raw.items():
        if key not in expected:
            raise SpecError(
                f"names has unknown field {key!r}; the fields are neurons, weights, biases"
            )
        counts = expected[key]
        if (
            not isinstance(value, list)
            or len(value) != len(counts)
            or not all(
                isinstance(v, list) and len(v) == c and all(isinstance(s, str) for s in v)
                for v, c in zip(value, counts)
            )
        ):
            raise SpecError(
                f"names.{key} must be lists of strings of lengths {counts}; got {value!r}"
            )
        out[key] = value
    return out
