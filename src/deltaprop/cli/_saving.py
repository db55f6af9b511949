"""How ``deltaprop train`` writes its results without losing them (not a subcommand).

- Before training: :func:`check_outputs` refuses an ``--out`` or ``--checkpoint`` that could
  not be written (missing directory, a directory, a read-only or special file system such as
  ``/proc``, too little free space for the model), so no run ends in an unwritable path.
- After training: :func:`save_model` writes the model (atomically); if that still fails (a
  disk filled up meanwhile), the trained model is written to a fallback path instead, and the
  message says where (or which checkpoint holds the last epoch's weights). Exit status 1.
- :func:`resume_hint` names a checkpoint only if this run wrote it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import ParameterError
from ..io.atomic import check_writable
from ._common import note

#: Exit status when the model could not be written where asked (it was kept elsewhere).
SAVE_FAILED = 1


def model_bytes(net) -> int:
    """A generous estimate of a model file's size: its numbers, plus 64 KiB for the rest."""
    return sum(p.data.nbytes for p in net.parameters()) + 64 * 2**10


def check_outputs(net, out, checkpoint) -> None:
    """Refuse, before training, output paths that could not be written."""
    size = model_bytes(net)
    check_writable(out, size, "--out")
    if checkpoint is not None:
        # weights, optimizer buffers, a best epoch's weights
        check_writable(str(checkpoint).replace("{epoch}", "0"), 4 * size, "--checkpoint")


def save_model(net, out, checkpoint=None, started: float = 0.0) -> int:
    """Write ``net`` to ``out``: 0 on success; else keep the work (see the module docstring)
    and return :data:`SAVE_FAILED` after saying where it is."""
    try:
        net.save(out)
        return 0
    except (OSError, ParameterError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    message = f"could not write the model to {str(out)!r} ({reason})"
    kept = None
    for candidate in _fallbacks(Path(out)):
        try:
            net.save(candidate)
        except (OSError, ParameterError):
            continue
        kept = candidate
        break
    if kept is not None:
        message += f"; the trained model was saved to {str(kept)!r} instead"
    elif written_by_this_run(checkpoint, started):
        message += (
            f"; no other place could be written either: the last checkpoint, "
            f"{str(checkpoint)!r}, holds the weights of the last completed epoch"
        )
    else:
        message += "; no other place could be written either: the trained model is lost"
    note(f"deltaprop: error: {message}")
    return SAVE_FAILED


def _fallbacks(out: Path) -> list[Path]:
    name = out.name or "model.dpm"
    rescue = f"deltaprop-rescue-{os.getpid()}-{name}"
    places = [Path.cwd() / rescue, Path(tempfile.gettempdir()) / rescue]
    return [p for p in places if p.resolve() != out.resolve()]


def written_by_this_run(checkpoint, started: float) -> bool:
    """Whether ``checkpoint`` exists and was written since ``started`` (a ``time.time()``)."""
    if checkpoint is None or "{epoch}" in str(checkpoint):
        return False
    try:
        return os.stat(checkpoint).st_mtime >= started - 1.0
    except OSError:
        return False


def resume_hint(checkpoint, started: float) -> str | None:
    """What to tell the user after an interruption about carrying on."""
    if checkpoint is None:
        return None
    if "{epoch}" in str(checkpoint):
        return f"to carry on, run the same command with --resume and the last {checkpoint} file"
    if written_by_this_run(checkpoint, started):
        return f"to carry on, run the same command with --resume {checkpoint}"
    return (
        f"no checkpoint was written yet (--checkpoint {checkpoint} is written at the end of "
        "each epoch): run the command again to start over"
    )
