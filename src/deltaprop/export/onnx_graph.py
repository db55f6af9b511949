"""A small builder of ONNX graphs on top of the ``onnx`` package's helper API.

Converters of layers, output heads and preprocessing steps add nodes and constants through one
:class:`GraphBuilder`, which gives every value a unique name, so that the pieces compose
without knowing each other's names.
"""

from __future__ import annotations

import numpy as np

try:
    import onnx
    from onnx import helper, numpy_helper
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        'exporting to ONNX needs the onnx package: pip install "deltaprop[onnx]"'
    ) from exc

ML_DOMAIN = "ai.onnx.ml"

#: ONNX element types of the NumPy dtypes an exported graph carries.
ELEMENT_TYPES = {
    np.dtype(np.float32): onnx.TensorProto.FLOAT,
    np.dtype(np.float64): onnx.TensorProto.DOUBLE,
    np.dtype(np.int64): onnx.TensorProto.INT64,
    np.dtype(np.bool_): onnx.TensorProto.BOOL,
    np.dtype(object): onnx.TensorProto.STRING,
}


def element_type(dtype) -> int:
    """The ONNX element type of a NumPy dtype (text of any width is STRING)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "US":
        return onnx.TensorProto.STRING
    return ELEMENT_TYPES[dtype]


class GraphBuilder:
    """Nodes, constants, inputs and outputs of one graph, each value uniquely named.

    >>> g = GraphBuilder()
    >>> x = g.input("X", np.float32, ["N", 2])
    >>> y = g.node("Relu", [x])
    >>> g.output(y, "Y", np.float32, ["N", 2])
    >>> [n.op_type for n in g.nodes], [o.name for o in g.outputs]
    (['Relu', 'Identity'], ['Y'])
    """

    def __init__(self):
        self.nodes: list = []
        self.initializers: list = []
        self.inputs: list = []
        self.outputs: list = []
        self.domains: set[str] = set()
        self._names: set[str] = set()

    def unique(self, hint: str) -> str:
        """``hint`` itself if unused, else ``hint_1``, ``hint_2``, ..."""
        name, i = hint, 0
        while name in self._names:
            i += 1
            name = f"{hint}_{i}"
        self._names.add(name)
        return name

    def input(self, name: str, dtype, shape) -> str:
        """Declare a graph input (``shape`` may hold symbolic names such as ``"N"``)."""
        if name in self._names:
            raise ValueError(f"graph input name {name!r} is used twice")
        self._names.add(name)
        self.inputs.append(helper.make_tensor_value_info(name, element_type(dtype), shape))
        return name

    def const(self, hint: str, value) -> str:
        """A constant tensor (an initializer) holding ``value``; text arrays become STRING."""
        array = np.asarray(value)
        if array.dtype.kind in "US":
            array = array.astype(object)
        name = self.unique(hint)
        self.initializers.append(numpy_helper.from_array(array, name=name))
        return name

    def node(self, op_type: str, inputs, *, hint: str | None = None, domain: str = "", **attrs):
        """Add one node with one output; return the output's name (``""`` skips an input)."""
        out = self.unique(hint or op_type.lower())
        name = self.unique(f"{op_type}_node")
        self.nodes.append(
            helper.make_node(op_type, list(inputs), [out], name=name, domain=domain, **attrs)
        )
        if domain:
            self.domains.add(domain)
        return out

    def output(self, value: str, name: str, dtype, shape, type_proto=None) -> None:
        """Make ``value`` a graph output called ``name`` (through an Identity node if the names
        differ, so that the graph's output names are the ones deployment code asks for);
        ``type_proto`` replaces ``dtype`` and ``shape`` for outputs that are not tensors."""
        if value != name:
            if name in self._names:
                raise ValueError(f"graph output name {name!r} is already taken")
            self._names.add(name)
            self.nodes.append(
                helper.make_node("Identity", [value], [name], name=self.unique("output_node"))
            )
        if type_proto is not None:
            self.outputs.append(helper.make_value_info(name, type_proto))
        else:
            self.outputs.append(helper.make_tensor_value_info(name, element_type(dtype), shape))

    def graph(self, name: str, doc: str = ""):
        return helper.make_graph(
            self.nodes, name, self.inputs, self.outputs, self.initializers, doc_string=doc
        )
