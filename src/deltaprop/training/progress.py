"""Progress display during training: a tqdm bar on a terminal, else one line per epoch."""

from __future__ import annotations

import sys

from .callbacks import Callback


def format_logs(logs: dict) -> str:
    """``loss 0.123 - val_accuracy 0.95``: every logged number with 6 significant digits."""
    return " - ".join(f"{k} {v:.6g}" for k, v in logs.items())


class ProgressBar(Callback):
    """Show training progress: the epoch count, the loss and any validation metrics.

    On a terminal, with tqdm installed (``pip install deltaprop[cli]``), a bar over the
    epochs whose postfix shows the latest epoch's numbers; otherwise (no tqdm, or output
    redirected to a file or pipe) one plain line per epoch, ``epoch 3/20 - loss 0.41``.

    Parameters
    ----------
    epochs : int, optional
        The planned number of epochs (the bar's length; training may stop earlier).
    stream : file object, default sys.stdout
    use_tqdm : bool, optional
        Force the bar on or off; by default on when tqdm is importable and ``stream`` is a
        terminal.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar(epochs=2, stream=out)
    >>> bar.on_epoch_end(None, 1, {"loss": 0.5})
    >>> out.getvalue()
    'epoch 1/2 - loss 0.5\\n'
    """

    def __init__(self, epochs: int | None = None, stream=None, use_tqdm: bool | None = None):
        self.epochs = epochs
        self.stream = stream
        self.use_tqdm = use_tqdm
        self._bar = None

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_train_begin(self, run) -> None:
        # In a data-parallel run every process runs the callbacks; only process 0 shows them.
        self._silent = not getattr(run, "is_root", True)
        if self._silent:
            return
        use = self.use_tqdm
        if use is None:
            isatty = getattr(self._out(), "isatty", None)
            use = bool(isatty and isatty())
        if not use:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:  # optional dependency: fall back to plain lines
            return
        self._bar = tqdm(total=self.epochs, unit="epoch", file=self._out(), leave=True)

    def on_epoch_end(self, run, epoch: int, logs: dict) -> None:
        if getattr(self, "_silent", False):
            return
        if self._bar is not None:
            self._bar.set_postfix_str(format_logs(logs), refresh=False)
            self._bar.update(1)
            return
        total = f"/{self.epochs}" if self.epochs else ""
        print(f"epoch {epoch}{total} - {format_logs(logs)}", file=self._out(), flush=True)

    def on_train_end(self, run) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
