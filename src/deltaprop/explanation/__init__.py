"""Layer 4: the package behind ``deltaprop.explain``, every number of a small network's
training steps, from the engine's trace.

``deltaprop.explain(...)`` runs training steps in float64 with the tracer on and lays out the
forward pass, the errors, the chain rule's factors, the deltas, the updates and a central-
difference check of every gradient; see docs/explain.md for the JSON schema.
"""

from __future__ import annotations

from pathlib import Path

from .._checks import check_choice, check_number
from ..errors import ParameterError, ParameterTypeError
from .presets import PRESETS, explain_mazur, explain_one_weight
from .record import SCHEMA_VERSION, record
from .render import FORMATS, render
from .spec import BIAS_MODES, REDUCTIONS, NetworkSpec, load_spec, parse_spec


class Explanation(dict):
    """The recorded numbers (a dict in the JSON schema of docs/explain.md) that can render
    itself: ``str(e)`` is the text layout, ``e.render("markdown")`` any other format."""

    def render(self, format: str = "text") -> str:  # noqa: A002 - the CLI's option name
        return render(self, format)

    def __str__(self) -> str:
        return render(self, "text")


def explain(
    spec=None,
    *,
    example: str | None = None,
    steps: int = 1,
    detail: int = 3,
    update_biases: bool | None = None,
    bias: str | None = None,
    reduction: str | None = None,
) -> Explanation:
    """Run ``steps`` training steps of a small network and record every number.

    For each step: forward ``net_j = sum_i w_ji x_i + b_j`` and ``out_j = f(net_j)`` per
    neuron; the errors and ``E_total``; backward ``dE/dw = dE/dout * dout/dnet * dnet/dw`` per
    weight (for a hidden neuron ``dE/dout_h = sum_o delta_o w_oh``), the deltas, each gradient
    beside its central difference ``(E(w + eps) - E(w - eps)) / (2 eps)``; the update
    ``w(t+1) = w(t) - lr dE/dw``. Every number comes from the engine (ForwardEvent /
    VjpEvent of the tracer, the SGD optimizer), computed in float64.

    Parameters
    ----------
    spec : path, dict or NetworkSpec, optional
        The network: a JSON/TOML spec file, its parsed dict, or a NetworkSpec.
    example : "mazur" or "one-weight", optional
        A built-in example instead of ``spec``.
    steps : int, default 1
        Number of updates.
    detail : int, default 3
        Steps up to this many are all laid out in full; with more steps, the first is (none if
        ``detail`` is 0) and the others are summarised (E_total after updates 1, 2, 5, 10...).
    update_biases, bias, reduction : optional
        Convention switches: update biases or not; ``"shared"`` or ``"per_neuron"`` bias;
        ``"sum_half"``, ``"mean"`` or ``"sum"``. None keeps the spec's or example's own.

    Returns
    -------
    Explanation
        A dict in the documented JSON schema (``schema_version``); ``str()`` lays it out.

    Raises
    ------
    SpecError
        For an invalid spec (naming the field); ParameterError for bad arguments.

    Examples
    --------
    >>> import deltaprop as dp
    >>> e = dp.explain(example="mazur")
    >>> round(e["steps"][0]["total_error"], 9)
    0.298371109
    >>> print(next(line for line in str(e).splitlines() if "net_h1 =" in line))
      net_h1 = w1*i1 + w2*i2 + b1 = 0.15*0.05 + 0.2*0.1 + 0.35 = 0.3775
    """
    steps = check_number("steps", steps, low=0, integer=True)
    detail = check_number("detail", detail, low=0, integer=True)
    if bias is not None:
        check_choice("bias", bias, ("shared", "per_neuron"))
    if reduction is not None:
        check_choice("reduction", reduction, REDUCTIONS)
    if update_biases is not None and not isinstance(update_biases, bool):
        raise ParameterTypeError(
            f"update_biases must be True, False or None; got {update_biases!r}"
        )
    if (spec is None) == (example is None):
        raise ParameterError(
            "explain needs exactly one of spec or example; got "
            + ("neither" if spec is None else "both")
        )
    if example is not None:
        check_choice("example", example, PRESETS)
        if example == "mazur":
            result = explain_mazur(
                steps,
                detail,
                update_biases=bool(update_biases),
                bias=bias or "shared",
                reduction=reduction or "sum_half",
            )
        else:
            if (update_biases, bias, reduction) != (None, None, None):
                raise ParameterError(
                    "the one-weight example has a single weight and no bias; the convention "
                    "switches apply to mazur and to spec files"
                )
            result = explain_one_weight(steps, detail)
        return Explanation(result)
    if isinstance(spec, (str, Path)):
        spec = load_spec(spec)
    elif isinstance(spec, dict):
        spec = parse_spec(spec)
    elif not isinstance(spec, NetworkSpec):
        raise ParameterTypeError(
            f"spec must be a path, a dict or a NetworkSpec; got {type(spec).__name__}"
        )
    if update_biases is not None:
        spec.update_biases = update_biases
    if reduction is not None:
        spec.reduction = reduction
    if bias is not None:
        for layer in spec.layers:
            if layer.bias != "none" and layer.bias != bias:
                if layer.biases is not None:  # one value per neuron from the shared one
                    layer.biases = (
                        layer.biases[:1] if bias == "shared" else layer.biases.repeat(layer.units)
                    )
                layer.bias = bias
        spec.names.pop("biases", None)
    return Explanation(record(spec, steps, detail))


__all__ = [
    "BIAS_MODES",
    "Explanation",
    "FORMATS",
    "NetworkSpec",
    "PRESETS",
    "SCHEMA_VERSION",
    "explain",
    "load_spec",
    "parse_spec",
    "render",
]
