"""Reading a network back: from a model file (``Sequential.save``) or from the network of a
training checkpoint, every part validated before it is trusted (never unpickled).

The file layer (:mod:`.modelfile`, :mod:`.checkpoint`) gives a config and tensors; the config
names the architecture (layers by their registered names, :mod:`deltaprop.nn.registry`), which
:meth:`deltaprop.Sequential.from_config` rebuilds; the tensors must then be exactly the
network's parameters and buffers, shape and dtype included, and finite.
"""

from __future__ import annotations

import numpy as np

from .. import losses
from .._version import __version__
from ..errors import DataError, ModelFileError
from ..network import Sequential
from ..nn import LAYERS
from ..nn.stack import ARCHITECTURE
from ..nn.standardize import Standardize
from ..tabular import Preprocessor
from .checkpoint import FORMAT as CHECKPOINT_FORMAT
from .checkpoint import read_checkpoint
from .modelfile import FORMAT as MODEL_FORMAT
from .modelfile import read_model_file


def load(path) -> Sequential:
    """Read a network written by ``Sequential.save``, or the network of a training checkpoint
    (``fit(checkpoint=...)``, ``ModelCheckpoint``) as it stood at the checkpoint's epoch;
    validates everything (never unpickles)."""
    config, tensors = read_model_file(path, kind=(MODEL_FORMAT, CHECKPOINT_FORMAT))
    where = repr(str(path))
    if config.get("format") == CHECKPOINT_FORMAT:
        checkpoint = read_checkpoint(path)
        if not isinstance(checkpoint["model"], dict):
            raise ModelFileError(
                f"{where}: this checkpoint holds no network config (it was written for a "
                "module without get_config); build the network and pass fit(resume=path)"
            )
        config, tensors = checkpoint["model"], checkpoint["state"]["weights"]
    _check_declared_sizes(config, tensors, where)
    _check_labels(config.get("classes"), where)
    net = _network(config, where)
    _check_tensors(net, tensors, where)
    _check_classes(net, config.get("classes"), where)
    net.load_state_dict(tensors)
    net.library_version = config.get("library_version", __version__)
    return net


def _check_declared_sizes(config: dict, tensors: dict, where: str) -> None:
    """Before anything is built: the Dense and Standardize layers' sizes are integers that
    chain (each layer's ``in_features`` is the previous one's ``units``), each Dense weight
    tensor has the shape its layer declares, and together they need no more numbers than the
    file's tensors hold (a config cannot make the loader allocate more than the file holds).
    Layers of other types end the count (their widths are not known)."""
    architecture = config.get("architecture")
    layers = architecture.get("layers") if isinstance(architecture, dict) else None
    if not isinstance(layers, list):
        raise ModelFileError(f"{where}: the config's architecture must hold a list of layers")
    if not layers:
        raise ModelFileError(f"{where}: the architecture has no layers (at least one is needed)")
    chain = _size_chain(layers, where)
    held = sum(t.size for t in tensors.values())
    declared = 0
    for i, kind, width, units in chain:
        if kind == "Dense":
            weight = tensors.get(f"layers.{i}.weight")
            if weight is not None and weight.shape != (width, units):
                raise ModelFileError(
                    f"{where}: tensor layers.{i}.weight is {weight.dtype}{list(weight.shape)}; "
                    f"the architecture needs [{width}, {units}] (layers[{i}])"
                )
            declared += width * units
        else:
            declared += 2 * width
        if declared > held:
            raise ModelFileError(
                f"{where}: layers[{i}] makes the architecture declare at least {declared} "
                f"weights but the file holds {held} numbers (layer sizes do not match the "
                "tensors)"
            )


def _size_chain(layers: list, where: str) -> list:
    """``(index, type, in_features, units)`` of the leading Dense/Standardize layers whose
    sizes are known, after checking that they are integers >= 1 and that they chain."""
    chain, width = [], None
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise ModelFileError(f"{where}: layers[{i}] must be an object; got {layer!r:.80}")
        kind = layer.get("type")
        if kind not in ("Dense", "Standardize"):
            break
        for key in ("units", "in_features"):
            value = layer.get(key)
            if value is not None and (type(value) is not int or value < 1):
                raise ModelFileError(
                    f"{where}: layers[{i}].{key} must be an integer >= 1; got {value!r:.80}"
                )
        declared_in = layer.get("in_features")
        if declared_in is not None and width is not None and declared_in != width:
            raise ModelFileError(
                f"{where}: invalid architecture in the config (layers[{i}] was declared with "
                f"in_features={declared_in}; got inputs with {width} from layers[{i - 1}])"
            )
        width = declared_in or width
        units = layer.get("units") if kind == "Dense" else width
        if width is None or units is None:
            break
        chain.append((i, kind, width, units))
        width = units
    return chain


def _check_labels(classes, where: str) -> None:
    """``classes``: absent, or distinct scalar labels of one type."""
    if classes is None:
        return
    if not isinstance(classes, list) or not all(
        isinstance(c, (str, int, float)) and not isinstance(c, bool) for c in classes
    ):
        raise ModelFileError(
            f"{where}: classes must be a list of labels (strings or numbers); got "
            f"{classes!r:.80}"
        )
    if len(set(classes)) != len(classes) or len({type(c) for c in classes}) > 1:
        raise ModelFileError(
            f"{where}: classes must be distinct labels of one type; got {classes!r:.80}"
        )


def _check_classes(net: Sequential, classes, where: str) -> None:
    """One class per output unit (two for a binary classifier's single unit)."""
    if classes is None:
        return
    kind = getattr(net.loss, "kind", None)
    units = net.out_features
    needed = 2 if kind == "binary" else units
    if kind not in ("multiclass", "binary"):
        raise ModelFileError(
            f"{where}: classes are given but the loss ({_loss_name(net)}) is not a "
            "classification loss"
        )
    if len(classes) != needed:
        raise ModelFileError(
            f"{where}: classes has {len(classes)} labels but the output layer of {units} "
            f"units needs {needed}"
        )


def _loss_name(net: Sequential) -> str:
    return "none" if net.loss is None else getattr(net.loss, "name", repr(net.loss))


def _network(config: dict, where: str) -> Sequential:
    """The network the config describes, with fresh weights; ModelFileError saying why not."""
    try:
        architecture = config["architecture"]
        if architecture.get("type") != ARCHITECTURE:
            raise ModelFileError(f"{where}: unknown architecture type {architecture.get('type')!r}")
        for i, layer in enumerate(architecture["layers"]):
            if layer.get("type") not in LAYERS:
                raise ModelFileError(
                    f"{where}: layers[{i}] has unknown type {layer.get('type')!r} (registered "
                    f"layers: {', '.join(LAYERS)})"
                )
        # the loss and the tabular preprocessing are checked next
        net = Sequential.from_config({**config, "loss": None, "preprocessor": None})
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{where}: invalid architecture in the config ({exc})") from exc
    try:
        net.loss = None if config.get("loss") is None else losses.get(config["loss"])
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{where}: invalid loss in the config ({exc})") from exc
    _check_tabular(net, config, where)
    return net


def _check_tabular(net: Sequential, config: dict, where: str) -> None:
    """The saved preprocessing must be valid and encode as many features as the network
    takes; the training record must be a JSON object."""
    if config.get("preprocessor") is not None:
        try:
            net.preprocessor = Preprocessor.from_config(config["preprocessor"])
        except DataError as exc:
            raise ModelFileError(f"{where}: {exc}") from exc
        width = len(net.preprocessor.feature_names_out())
        if net.in_features is not None and width != net.in_features:
            raise ModelFileError(
                f"{where}: the tabular preprocessing encodes {width} features but the network "
                f"takes {net.in_features}"
            )
    info = config.get("training")
    if info is not None and not isinstance(info, dict):
        raise ModelFileError(f"{where}: training must be a JSON object; got {type(info).__name__}")


def _check_tensors(net: Sequential, tensors: dict, where: str) -> None:
    """Parameters and buffers (a Standardize layer's statistics) alike: the same names,
    shapes and dtypes as the network's, finite values."""
    expected = {name: p.data for name, p in net.named_parameters()}
    expected.update(net.named_buffers())
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise ModelFileError(
            f"{where}: tensors do not fit the architecture: missing {missing}, unexpected {extra}"
        )
    for name, current in expected.items():
        t = tensors[name]
        if t.shape != current.shape or t.dtype != current.dtype:
            raise ModelFileError(
                f"{where}: tensor {name} is {t.dtype}{list(t.shape)}; the architecture "
                f"needs {current.dtype}{list(current.shape)}"
            )
        if not np.all(np.isfinite(t)):
            raise ModelFileError(f"{where}: tensor {name} holds NaN or infinite values")
    for prefix, module in _named_modules(net):
        if isinstance(module, Standardize):
            std = tensors[f"{prefix}std"]
            if std.size and not np.all(std > 0):
                bad = int(np.flatnonzero(~(std > 0))[0])
                raise ModelFileError(
                    f"{where}: tensor {prefix}std must be > 0 everywhere (a standard "
                    f"deviation); got {std.flat[bad]} at index {bad}"
                )


def _named_modules(module, prefix: str = ""):
    yield prefix, module
    for name, child in module.named_children():
        yield from _named_modules(child, f"{prefix}{name}.")
