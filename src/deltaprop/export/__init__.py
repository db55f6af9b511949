"""Exporting trained models to files other runtimes run; ONNX is the one format so far
(:mod:`deltaprop.export.onnx`, needs ``pip install "deltaprop[onnx]"``; docs/onnx.md).

``export(model, path)`` writes a trained :class:`deltaprop.Sequential` or
:mod:`deltaprop.sklearn` estimator; the ``onnx`` package is imported only when it runs.
"""

from __future__ import annotations

from .._checks import check_choice
from ..errors import ExportError, ParameterTypeError

FORMATS = ("onnx",)
#: Default opset of the ai.onnx domain: onnxruntime >= 1.13 (2022) runs it.
OPSET = 17
#: The opsets an export may ask for (13 gives Softmax its last-axis meaning; 21 is the newest
#: that onnxruntime releases of the last two years all load).
OPSETS = range(13, 22)


def export(model, path, format: str = "onnx", **options) -> None:
    """Write ``model`` to ``path`` in ``format`` (see :func:`deltaprop.export.onnx.to_onnx`
    for the options: ``opset``, ``zipmap``), atomically: nothing is written if it fails.

    >>> import os, tempfile, deltaprop as dp
    >>> net = dp.Sequential([dp.Dense(1, in_features=2)], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
    >>> export(net, path)
    >>> os.path.getsize(path) > 0
    True
    >>> export(net, path, opset=9)
    Traceback (most recent call last):
    ...
    deltaprop.errors.ParameterError: opset must be >= 13; got 9
    """
    check_choice("format", format, FORMATS)
    unknown = sorted(set(options) - {"opset", "zipmap"})
    if unknown:
        raise ParameterTypeError(
            f"export to {format} takes the options opset and zipmap; got {unknown}"
        )
    try:
        from .onnx import save_onnx
    except ImportError as exc:
        raise ExportError(str(exc)) from exc
    save_onnx(model, path, **options)


def register_onnx_converter(layer_class: type):
    """Make layers of ``layer_class`` exportable (see :mod:`deltaprop.export.onnx_layers`)."""
    from .onnx_layers import register_onnx_converter as register

    return register(layer_class)


def register_skl2onnx() -> None:
    """Register converters with skl2onnx so that ``skl2onnx.to_onnx(est, X)`` converts
    :mod:`deltaprop.sklearn`'s estimators (see :mod:`.skl2onnx_converter`)."""
    from .skl2onnx_converter import register_skl2onnx as register

    register()


__all__ = ["FORMATS", "OPSET", "OPSETS", "export", "register_onnx_converter", "register_skl2onnx"]
