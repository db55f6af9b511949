"""ONNX nodes for the tabular preprocessing (:class:`deltaprop.tabular.Preprocessor`): one graph
input per original column, encoded in the graph as deltaprop encodes it.

From the preprocessor's fitted state (its ``get_config()``), per feature column, in order:

* numeric: a double input (N, 1); NaN -> the training median; ``(x - mean) / std``, in double
  as deltaprop computes it, then cast to the network's dtype;
* categorical of text: a string input (N, 1); a missing value ("" or a missing-value token
  that is not a category) -> the most frequent training category; one-hot over the training
  categories (``ai.onnx.ml`` LabelEncoder to the category's index, then OneHotEncoder); an
  unseen category -> all zeros;
* categorical of numbers (codes, years): a double input, NaN -> the most frequent category,
  then one-hot by comparing the number with each category (``Equal`` in double: exact for
  any number, where a float32 key would merge codes above 2^24).

The blocks are concatenated into the network's input; regression outputs are mapped back to
the targets' units (``out * std + mean``, in double).
"""

from __future__ import annotations

import numpy as np

from ..errors import ExportError
from .onnx_graph import ML_DOMAIN, GraphBuilder, onnx

#: Text cells deltaprop's CSV reader takes for missing values (also "" from any source).
MISSING_TOKENS = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "?")


def column_inputs(g: GraphBuilder, config: dict, dtype) -> str:
    """Declare one input per feature column of ``config``; return the encoded (N, F) value."""
    blocks = []
    for column in config["columns"]:
        name, kind = column["name"], column["kind"]
        if kind == "numeric":
            blocks.append(_numeric(g, column, dtype))
        elif kind == "categorical":
            blocks.append(_categorical(g, column, dtype))
        else:
            raise ExportError(f"column {name!r} has a kind ONNX export does not know: {kind!r}")
    return blocks[0] if len(blocks) == 1 else g.node("Concat", blocks, axis=1, hint="encoded")


def _input(g: GraphBuilder, name: str, dtype) -> str:
    try:
        return g.input(name, dtype, ["N", 1])
    except ValueError as exc:
        raise ExportError(f"column {name!r}: {exc}") from exc


def _impute_nan(g: GraphBuilder, x: str, value: float) -> str:
    """x, with NaN replaced by ``value`` (double)."""
    fill = g.const("impute", np.asarray(value, dtype=np.float64))
    return g.node("Where", [g.node("IsNaN", [x], hint="missing"), fill, x], hint="imputed")


def _numeric(g: GraphBuilder, column: dict, dtype) -> str:
    x = _impute_nan(g, _input(g, column["name"], np.float64), column["impute"])
    mean = g.const("mean", np.asarray(column["mean"], dtype=np.float64))
    std = g.const("std", np.asarray(column["std"], dtype=np.float64))
    scaled = g.node("Div", [g.node("Sub", [x, mean], hint="centred"), std], hint="scaled")
    return g.node("Cast", [scaled], to=_onnx_type(dtype), hint="numeric")


def numeric_categories(categories) -> list[float] | None:
    """The categories as numbers when each is how deltaprop writes a number (``2019``,
    ``2.5``), else None (a text column)."""
    numbers = []
    for text in categories:
        try:
            value = float(text)
        except ValueError:
            return None
        written = str(int(value)) if value.is_integer() else repr(value)
        if not np.isfinite(value) or written != text:
            return None
        numbers.append(value)
    return numbers


def _categorical(g: GraphBuilder, column: dict, dtype) -> str:
    categories = list(column["categories"])
    impute = categories.index(column["impute"])
    numbers = numeric_categories(categories)
    if numbers is not None:
        # x == category, in double (exact for any number, as deltaprop compares the text of
        # the number): (N, 1) against (1, K) gives the one-hot rows, zeros when unseen
        x = _impute_nan(g, _input(g, column["name"], np.float64), numbers[impute])
        hits = g.node("Equal", [x, g.const("categories", np.array([numbers]))], hint="hits")
        return g.node("Cast", [hits], to=_onnx_type(dtype), hint="onehot")
    x = _input(g, column["name"], object)
    missing = [t for t in MISSING_TOKENS if t not in categories]
    index = g.node(
        "LabelEncoder",
        [x],
        domain=ML_DOMAIN,
        hint="category",
        keys_strings=categories + missing,
        values_int64s=list(range(len(categories))) + [impute] * len(missing),
        default_int64=-1,
    )
    onehot = g.node(
        "OneHotEncoder",
        [index],
        domain=ML_DOMAIN,
        hint="onehot",
        cats_int64s=list(range(len(categories))),
        zeros=1,
    )  # (N, 1, K) float; an index of -1 (unseen) gives zeros
    flat = g.node("Squeeze", [onehot, g.const("axis", np.array([1]))], hint="onehot")
    if np.dtype(dtype) == np.float32:
        return flat
    return g.node("Cast", [flat], to=_onnx_type(dtype), hint="onehot")


def target_units(g: GraphBuilder, config: dict, out: str, dtype) -> str:
    """Regression outputs in the numeric targets' units: ``out * std + mean`` in double."""
    targets = [t for t in config.get("targets") or [] if t["kind"] == "numeric"]
    if not targets:
        return out  # as Preprocessor.inverse_target: no numeric target, nothing to map back
    std = g.const("target_std", np.array([t["std"] for t in targets], dtype=np.float64))
    mean = g.const("target_mean", np.array([t["mean"] for t in targets], dtype=np.float64))
    wide = g.node("Cast", [out], to=onnx.TensorProto.DOUBLE, hint="scaled_out")
    units = g.node("Add", [g.node("Mul", [wide, std], hint="spread"), mean], hint="units")
    return g.node("Cast", [units], to=_onnx_type(dtype), hint="predictions")


def _onnx_type(dtype) -> int:
    return onnx.TensorProto.FLOAT if np.dtype(dtype) == np.float32 else onnx.TensorProto.DOUBLE
