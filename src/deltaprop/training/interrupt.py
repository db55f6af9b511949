"""Interruption: SIGINT (Ctrl-C) and SIGTERM end training cleanly after the current batch.

While :class:`InterruptGuard` is active, the first SIGINT or SIGTERM only records the signal;
the training loop sees it after the batch it is working on, stops, and runs every callback's
``on_train_end`` (so checkpoints are written and the best weights restored). A second SIGINT
raises ``KeyboardInterrupt`` at once, for a user who does not want to wait, unless
``second_interrupts=False``: then every signal is only recorded (the command line writes its
model file under such a guard, so that no signal can leave it half-written; the exit status
then says which signal came, :data:`EXIT_STATUS`). Handlers can only be installed from the
main thread; elsewhere the guard does nothing.
"""

from __future__ import annotations

import signal
import threading

#: Exit status of a process ended by a signal, as shells report it: 128 + signal number.
EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


class InterruptGuard:
    """Context manager: turn SIGINT and SIGTERM into a flag, ``received``.

    >>> with InterruptGuard() as guard:
    ...     signal.raise_signal(signal.SIGINT)   # what Ctrl-C does
    ...     print(guard.received == signal.SIGINT)
    True
    """

    signals = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, second_interrupts: bool = True):
        self.received: int | None = None
        self.second_interrupts = second_interrupts
        self._previous: dict = {}

    def _handle(self, signum, frame) -> None:
        if self.second_interrupts and self.received == signal.SIGINT == signum:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now
        if self.received is None:
            self.received = signum

    @property
    def name(self) -> str | None:
        """The received signal's name ("SIGINT", "SIGTERM"), or None."""
        return None if self.received is None else signal.Signals(self.received).name

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is threading.main_thread():
            for signum in self.signals:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
