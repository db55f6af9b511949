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
    net = _network(config, where)
    _check_tensors(net, tensors, where)
    net.load_state_dict(tensors)
    net.library_version = config.get("library_version", __version__)
    return net


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
