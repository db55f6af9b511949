"""A worker of tests/distributed/test_signals.py, run by ``deltaprop launch -n 2 --
signal_worker.py train ...``: the process numbered ``TEST_RANK`` sends itself the signal
``TEST_SIGNAL`` at the end of epoch 2; with ``TEST_SLOW_SAVE=1`` process 0 writes its model
file slowly (0.3 s per entry), so a job that ended while the file was written would leave no
model."""

import os
import signal
import sys
import time

import deltaprop as dp
import deltaprop.io.modelfile as modelfile
from deltaprop.cli import main
from deltaprop.training import Callback


class SignalAtEpoch2(Callback):
    def __init__(self, rank: int, name: str, me: int):
        self.rank, self.name, self.me = rank, name, me

    def on_epoch_end(self, run, epoch, logs):
        if epoch == 2 and self.me == self.rank:
            os.kill(os.getpid(), getattr(signal, self.name))


def run() -> int:
    from mpi4py import MPI

    callback = SignalAtEpoch2(
        int(os.environ["TEST_RANK"]), os.environ["TEST_SIGNAL"], MPI.COMM_WORLD.Get_rank()
    )
    original_fit = dp.Sequential.fit

    def fit(self, *args, callbacks=None, **kwargs):
        return original_fit(self, *args, callbacks=[*(callbacks or []), callback], **kwargs)

    dp.Sequential.fit = fit
    write = modelfile._write_array

    def slow_write(zf, member, array):
        if os.environ.get("TEST_SLOW_SAVE") == "1":
            time.sleep(0.3)
        write(zf, member, array)

    modelfile._write_array = slow_write
    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(run())
