"""skl2onnx converters for :mod:`deltaprop.sklearn`'s estimators, so that
``skl2onnx.to_onnx(estimator, X)`` converts them, alone or inside a pipeline.

>>> from deltaprop.export import register_skl2onnx
>>> register_skl2onnx()  # once; then skl2onnx.to_onnx(est, X[:1]) works    # doctest: +SKIP

The converter inserts the graph :func:`deltaprop.export.onnx.to_onnx` builds for the estimator
(a Cast in front when the input's float type is not the estimator's). Its outputs follow
skl2onnx's conventions: ``label`` and ``probabilities`` for classifiers, as a plain tensor
(no ZipMap), ``variable`` (N, outputs) for regressors.
"""

from __future__ import annotations

import numpy as np

try:
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        BooleanTensorType,
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
except ImportError as exc:  # pragma: no cover - exercised only without skl2onnx
    raise ImportError("registering with skl2onnx needs it: pip install skl2onnx") from exc

from onnx import helper, numpy_helper

from .onnx import to_onnx

_TYPES = {
    np.dtype(np.float32): FloatTensorType,
    np.dtype(np.float64): DoubleTensorType,
    np.dtype(np.int64): Int64TensorType,
    np.dtype(np.bool_): BooleanTensorType,
}


def _tensor_type(elem_type: int):
    if elem_type == 8:  # onnx.TensorProto.STRING
        return StringTensorType
    return _TYPES[np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))]


def _parser(scope, model, inputs, custom_parsers=None):
    """Declare the operator and its outputs, typed as deltaprop's graph types them."""
    operator = scope.declare_local_operator(_ALIASES[type(model)], model)
    operator.inputs = inputs
    graph = to_onnx(model).graph
    for out in graph.output:
        name = "variable" if out.name == "predictions" else out.name
        dims = [d.dim_value or None for d in out.type.tensor_type.shape.dim]
        kind = _tensor_type(out.type.tensor_type.elem_type)
        operator.outputs.append(scope.declare_local_variable(name, kind(dims)))
    return list(operator.outputs)


def _shape_calculator(operator):
    """The outputs' types are set by the parser, from the graph itself."""


def _converter(scope, operator, container):
    """Copy deltaprop's graph into skl2onnx's container, its names made unique there."""
    est = operator.raw_operator
    graph = to_onnx(est).graph
    names = {out.name: var.full_name for out, var in zip(graph.output, operator.outputs)}
    source = operator.inputs[0]
    wanted = np.dtype(est.coefs_[0].dtype)  # the training dtype (dtype=None: the input's)
    if isinstance(source.type, _TYPES[wanted]):
        names["X"] = source.full_name
    else:
        names["X"] = scope.get_unique_variable_name("X_cast")
        to = helper.np_dtype_to_tensor_dtype(wanted)
        container.add_node("Cast", source.full_name, names["X"], to=to, name="deltaprop_cast")

    def rename(name: str) -> str:
        if name and name not in names:
            names[name] = scope.get_unique_variable_name(name)
        return names.get(name, name)

    for tensor in graph.initializer:
        array = numpy_helper.to_array(tensor)
        content = array.ravel().tolist() if array.dtype == object else tensor
        container.add_initializer(rename(tensor.name), tensor.data_type, list(array.shape), content)
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        container.add_node(
            node.op_type,
            [rename(i) for i in node.input],
            [rename(o) for o in node.output],
            op_domain=node.domain,
            name=scope.get_unique_operator_name(node.name),
            **attrs,
        )


def register_skl2onnx() -> None:
    """Register the converters of MLPClassifier and MLPRegressor with skl2onnx."""
    from .. import sklearn as estimators

    for cls, alias in (
        (estimators.MLPClassifier, "DeltapropMLPClassifier"),
        (estimators.MLPRegressor, "DeltapropMLPRegressor"),
    ):
        _ALIASES[cls] = alias
        update_registered_converter(
            cls, alias, _shape_calculator, _converter, parser=_parser, overwrite=True
        )


_ALIASES: dict[type, str] = {}
