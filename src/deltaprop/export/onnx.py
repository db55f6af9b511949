"""ONNX export of trained networks and scikit-learn estimators (docs/onnx.md).

The graph computes what deltaprop's ``predict`` and ``predict_proba`` return, in inference
mode (dropout off), from one float input ``X`` of shape (N, n_features), or, for a network
trained on a table (``net.preprocessor``), from one input per original column
(:mod:`.onnx_tabular`):

* classifiers: ``label`` (N,) holding the training labels (strings stay strings; an int64
  index when the network was trained on indices), and ``probabilities`` (N, K), a plain
  tensor; multi-label networks give ``label`` (N, L) of 0/1 and ``probabilities`` (N, L);
* everything else: ``predictions`` (N, n_outputs), the output layer's values.

Opset and IR version are fixed (``OPSET`` and the IR version ``onnx.helper`` derives from it),
so that onnxruntime releases of the last years load the file; the model carries the deltaprop
version, feature names, classes and task as metadata.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .._checks import check_number
from .._version import __version__
from ..errors import ExportError, ParameterTypeError
from ..io.atomic import atomic_write
from . import OPSET, OPSETS
from .onnx_graph import ML_DOMAIN, GraphBuilder, helper, onnx
from .onnx_layers import convert_layer
from .onnx_tabular import column_inputs, target_units

#: Opset of the ai.onnx.ml domain (its operators encode text columns).
ML_OPSET = 3

TASKS = ("classification", "multilabel", "regression")
#: A model is one protobuf message, which cannot exceed 2 GiB (less a margin for the graph).
MAX_BYTES = 2**31 - 2**24


@dataclass
class ExportSpec:
    """What the exporter needs to know about a trained model, whatever its API.

    ``task`` is one of TASKS; ``from_logits``: the output layer gives scores that the head turns
    into probabilities (softmax, or logistic when ``binary``); ``binary``: one logistic unit
    gives the probability of the second class; ``classes``: the labels, or None for indices.
    """

    layers: list
    dtype: np.dtype
    n_features: int
    n_outputs: int
    task: str = "regression"
    binary: bool = False
    from_logits: bool = False
    classes: np.ndarray | None = None
    feature_names: list | None = None
    target_name: str | None = None
    producer: str = "deltaprop.Sequential"
    #: the fitted tabular preprocessing (``Preprocessor.get_config()``): one input per column
    preprocessor: dict | None = None


def network_spec(net) -> ExportSpec:
    """The ExportSpec of a :class:`deltaprop.Sequential` (or a plain Stack: regression)."""
    if not net.is_built or net.in_features is None:
        raise ExportError("the network has no weights yet: fit it (or call it) before exporting")
    loss = getattr(net, "loss", None)
    kind = None if loss is None else loss.kind
    n_outputs = _output_width(net)
    spec = ExportSpec(
        layers=list(net.layers),
        dtype=np.dtype(net.dtype),
        n_features=net.in_features,
        n_outputs=n_outputs,
        from_logits=bool(getattr(loss, "from_logits", False)),
        classes=getattr(net, "classes_", None),
        feature_names=getattr(net, "feature_names", None),
        target_name=getattr(net, "target_name", None),
        producer=f"deltaprop.{type(net).__name__}",
    )
    prep = getattr(net, "preprocessor", None)
    if prep is not None:
        spec.preprocessor = prep.get_config()
    if kind == "multiclass":
        spec.task = "classification"
    elif kind == "binary":
        spec.task = "classification" if n_outputs == 1 else "multilabel"
        spec.binary = n_outputs == 1
    if spec.task != "classification":
        spec.classes = None  # labels are the 0/1 matrix (multi-label) or none at all
    return spec


def estimator_spec(est) -> ExportSpec:
    """The ExportSpec of a fitted :mod:`deltaprop.sklearn` estimator (its network, output
    activation and labels, as its ``predict`` and ``predict_proba`` use them)."""
    names = getattr(est, "feature_names_in_", None)
    spec = ExportSpec(
        layers=list(est._net.layers),
        dtype=est.coefs_[0].dtype,  # the training dtype (dtype=None: the input's)
        n_features=int(est.n_features_in_),
        n_outputs=int(est.n_outputs_),
        feature_names=None if names is None else [str(n) for n in names],
        producer=f"deltaprop.sklearn.{type(est).__name__}",
    )
    if est._is_classifier:
        if est._label_binarizer.y_type_ == "multilabel-indicator":
            spec.task = "multilabel"
        else:
            spec.task, spec.classes = "classification", est.classes_
            spec.binary = est.out_activation_ == "logistic"
    return spec


def _output_width(net) -> int:
    """The network's output width, found by running one row of zeros through it."""
    from ..training.predict import predict_outputs

    row = np.zeros((1, net.in_features), dtype=net.dtype)
    return int(predict_outputs(net, row, dtype=net.dtype).shape[-1])


def to_onnx(model, *, opset: int = OPSET, zipmap: bool = False, name: str | None = None):
    """The ``onnx.ModelProto`` of a trained Sequential, estimator or :class:`ExportSpec`.

    ``opset`` (13..21, default 17) is the ai.onnx opset; the IR version is the lowest that
    opset needs. ``zipmap=True`` gives a single-label classifier's ``probabilities`` as a list
    of ``{label: probability}`` maps (the ``ai.onnx.ml`` ZipMap, as skl2onnx does by default)
    instead of a tensor. The model passes ``onnx.checker.check_model(model, full_check=True)``.
    Raises ExportError naming the part with no ONNX form (docs/onnx.md lists them).

    >>> import deltaprop as dp
    >>> net = dp.Sequential([dp.Dense(2, "tanh", in_features=3)], seed=0)
    >>> model = to_onnx(net)
    >>> [i.name for i in model.graph.input], [o.name for o in model.graph.output]
    (['X'], ['predictions'])
    >>> model.opset_import[0].version, model.ir_version, [n.op_type for n in model.graph.node]
    (17, 8, ['Gemm', 'Tanh', 'Identity'])
    """
    spec = _spec_of(model)
    opset = check_number("opset", opset, low=OPSETS.start, high=OPSETS.stop - 1, integer=True)
    if not isinstance(zipmap, bool):
        raise ParameterTypeError(f"zipmap must be True or False; got {zipmap!r}")
    if zipmap and spec.task != "classification":
        raise ExportError(f"zipmap needs a single-label classifier; this model does {spec.task}")
    g = GraphBuilder()
    if spec.preprocessor is None:
        out = g.input("X", spec.dtype, ["N", spec.n_features])
    else:
        _check_column_names(spec.preprocessor)
        out = column_inputs(g, spec.preprocessor, spec.dtype)
    for i, layer in enumerate(spec.layers):
        out = convert_layer(g, layer, out, spec.dtype, f"layers[{i}]")
    if spec.task == "regression":
        if spec.preprocessor is not None:
            out = target_units(g, spec.preprocessor, out, spec.dtype)
        g.output(out, "predictions", spec.dtype, ["N", spec.n_outputs])
    else:
        _classifier_head(g, spec, out, zipmap)
    size = _initializer_bytes(g)
    if size > MAX_BYTES:
        raise ExportError(
            f"the network's weights take {size / 2**30:.2f} GiB; an ONNX file written in one "
            f"piece holds at most {MAX_BYTES / 2**30:.2f} GiB"
        )
    doc = f"{spec.producer} exported by deltaprop {__version__}"
    graph = g.graph(name or "deltaprop", doc)
    opsets = [helper.make_opsetid("", opset)]
    if ML_DOMAIN in g.domains:
        opsets.append(helper.make_opsetid(ML_DOMAIN, ML_OPSET))
    model = helper.make_model(
        graph,
        opset_imports=opsets,
        ir_version=helper.find_min_ir_version_for(opsets),
        producer_name="deltaprop",
        producer_version=__version__,
        doc_string=doc,
    )
    helper.set_model_props(model, _metadata(spec))
    onnx.checker.check_model(model, full_check=True)
    return model


def _initializer_bytes(g: GraphBuilder) -> int:
    return sum(len(t.raw_data) + sum(map(len, t.string_data)) for t in g.initializers)


OUTPUT_NAMES = ("label", "probabilities", "predictions")


def _check_column_names(config: dict) -> None:
    """Graph inputs are named after the columns: none may take an output's name."""
    if any(c["name"] == "" for c in config["columns"]):
        raise ExportError(
            "a column has an empty name, which a graph input cannot have: name every column "
            "before training"
        )
    clash = [c["name"] for c in config["columns"] if c["name"] in OUTPUT_NAMES]
    if clash:
        raise ExportError(
            f"column {clash[0]!r} would be a graph input with an output name "
            f"({', '.join(OUTPUT_NAMES)}): rename the column before training"
        )


def _spec_of(model) -> ExportSpec:
    if isinstance(model, ExportSpec):
        return model
    if callable(getattr(model, "_export_spec", None)):
        return model._export_spec()
    if hasattr(model, "layers") and hasattr(model, "is_built"):
        return network_spec(model)
    raise ParameterTypeError(
        "model must be a deltaprop network (Sequential), a deltaprop.sklearn estimator or an "
        f"ExportSpec; got {type(model).__name__}"
    )


def _classifier_head(g: GraphBuilder, spec: ExportSpec, out: str, zipmap: bool) -> None:
    """``label`` and ``probabilities`` as ``predict`` and ``predict_proba`` compute them."""
    dtype = spec.dtype
    if spec.task == "multilabel" or spec.binary:
        if spec.from_logits:
            prob, threshold = g.node("Sigmoid", [out], hint="p"), 0.0
        else:
            prob, threshold = out, 0.5
        positive = g.node("Greater", [out, g.const("threshold", np.asarray(threshold, dtype))])
        index = g.node("Cast", [positive], to=onnx.TensorProto.INT64, hint="index")
        if spec.binary:
            one = g.const("one", np.asarray(1.0, dtype))
            prob = g.node("Concat", [g.node("Sub", [one, prob], hint="q"), prob], axis=1)
            index = g.node("Squeeze", [index, g.const("axis", np.array([1]))], hint="index")
    else:
        prob = g.node("Softmax", [out], axis=-1, hint="p") if spec.from_logits else out
        index = g.node("ArgMax", [out], axis=1, keepdims=0, hint="index")
    width = 2 if spec.binary else spec.n_outputs
    classes = _class_constants(spec.classes)
    if spec.task == "multilabel":
        g.output(index, "label", np.int64, ["N", spec.n_outputs])
    elif classes is None:
        g.output(index, "label", np.int64, ["N"])
    else:
        label = g.node("Gather", [g.const("classes", classes), index], hint="label")
        g.output(label, "label", classes.dtype, ["N"])
    if zipmap:
        _zipmap_output(g, prob, classes, width, dtype)
    else:
        g.output(prob, "probabilities", dtype, ["N", width])


def _zipmap_output(g: GraphBuilder, prob: str, classes, width: int, dtype) -> None:
    """``probabilities`` as one {label: p} map per row (ZipMap takes float32 and text or
    int64 labels)."""
    if classes is not None and classes.dtype == object:
        key, labels = onnx.TensorProto.STRING, {"classlabels_strings": classes.tolist()}
    elif classes is None or classes.dtype == np.int64:
        values = range(width) if classes is None else classes.tolist()
        key, labels = onnx.TensorProto.INT64, {"classlabels_int64s": [int(v) for v in values]}
    else:
        raise ExportError(
            f"zipmap needs text or integer labels; this classifier's are {classes.dtype}"
        )
    if np.dtype(dtype) != np.float32:
        prob = g.node("Cast", [prob], to=onnx.TensorProto.FLOAT, hint="p32")
    # named as the output itself: Identity does not take sequences of maps
    maps = g.node("ZipMap", [prob], domain=ML_DOMAIN, hint="probabilities", **labels)
    value = helper.make_tensor_type_proto(onnx.TensorProto.FLOAT, [])
    kind = helper.make_sequence_type_proto(helper.make_map_type_proto(key, value))
    g.output(maps, "probabilities", None, None, type_proto=kind)


def _class_constants(classes) -> np.ndarray | None:
    """The labels as an ONNX-typed constant: text, bool or int64; ExportError otherwise."""
    if classes is None:
        return None
    classes = np.asarray(classes)
    if classes.dtype.kind in "US":
        return classes.astype(object)
    if classes.dtype.kind == "b":
        return classes
    if classes.dtype.kind in "iu":
        return classes.astype(np.int64)
    if classes.dtype in (np.float32, np.float64):
        return classes
    raise ExportError(
        f"class labels of dtype {classes.dtype} have no ONNX tensor type: train on text, "
        f"bool or numeric labels (got {classes[:5].tolist()})"
    )


def _metadata(spec: ExportSpec) -> dict:
    classes = None if spec.classes is None else np.asarray(spec.classes).tolist()
    return {
        "deltaprop_version": __version__,
        "producer": spec.producer,
        "task": spec.task,
        "inputs": json.dumps(
            ["X"]
            if spec.preprocessor is None
            else [c["name"] for c in spec.preprocessor["columns"]]
        ),
        "n_features": str(spec.n_features),
        "feature_names": json.dumps(spec.feature_names),
        "classes": json.dumps(classes),
        "target_name": json.dumps(spec.target_name),
    }


def save_onnx(model, path, *, opset: int = OPSET, zipmap: bool = False) -> None:
    """Write ``to_onnx(model)`` to ``path`` atomically (nothing is written if it fails)."""
    proto = to_onnx(model, opset=opset, zipmap=zipmap)
    with atomic_write(path) as fh:
        fh.write(proto.SerializeToString())
