"""The command line reads the registries: an optimizer, a loss and a subcommand added in this
file alone (the recipes of docs/architecture.md) work through ``deltaprop``."""

import types

import numpy as np
import pytest

import deltaprop as dp
from deltaprop import cli, losses, optim
from deltaprop.cli import main
from deltaprop.cli._common import positive_int
from deltaprop.errors import DataError


class SignSGD(optim.Optimizer):
    """w = w - lr * sign(dE/dw)."""

    def __init__(self, params, lr: float = 0.05):
        super().__init__(params, lr)

    def update(self, w, g, state):
        w -= self.lr * np.sign(g)


class HalfSquaredError(losses.SquaredError):
    """E = 1/2 sum (t - o)^2 by default: the source material's error, under its own name."""

    name = "half_squared_error"

    def __init__(self, reduction: str = "sum_half"):
        super().__init__(reduction)


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = X[:, 0] - 0.5 * X[:, 1]
    path = tmp_path / "d.csv"
    rows = "\n".join(f"{a:.6f},{b:.6f},{t:.6f}" for (a, b), t in zip(X, y))
    path.write_text("a,b,y\n" + rows + "\n")
    return path


def test_a_registered_optimizer_is_a_cli_choice_with_its_default_lr(data, tmp_path, capsys):
    assert optim.default_lr("signsgd") == 0.05
    out = tmp_path / "m.dpm"
    args = ["train", str(data), "--target", "y", "--optimizer", "signsgd", "--epochs", "2"]
    assert main([*args, "--out", str(out)]) == 0
    assert "signsgd lr=0.05" in capsys.readouterr().err
    assert dp.load(out).predict(np.zeros((1, 2))).shape == (1, 1)


def test_a_registered_loss_gives_its_task_to_the_cli(data, tmp_path, capsys):
    assert losses.task_of("half_squared_error") == "regression"
    out = tmp_path / "m.dpm"
    args = ["train", str(data), "--target", "y", "--loss", "half_squared_error", "--epochs", "2"]
    assert main([*args, "--out", str(out), "--json", "--quiet"]) == 0
    assert '"task": "regression"' in capsys.readouterr().out
    assert dp.load(out).loss.name == "half_squared_error"
    code = main([*args, "--task", "classification", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "half_squared_error is a regression loss" in err
    assert "Traceback" not in err and "KeyError" not in err


def test_a_loss_without_a_known_kind_is_refused_at_registration():
    with pytest.raises(dp.errors.RegistryError, match="kind"):

        @losses.register_loss
        class Odd(losses.Loss):
            name, kind = "odd", "ranking"


def _hello_command():
    """A subcommand module as docs/architecture.md describes one: add_parser + handler."""

    def add_parser(sub):
        p = sub.add_parser("hello", help="say hello", description="Say hello N times.")
        p.add_argument("--times", type=positive_int, default=1)
        p.add_argument("--name", default="world")
        p.set_defaults(handler=run)

    def run(args):
        if args.name == "nobody":
            raise DataError(f"--name must name somebody; got {args.name!r}")
        for _ in range(args.times):
            print(f"hello, {args.name}")
        return 0

    return types.SimpleNamespace(add_parser=add_parser)


def test_a_new_subcommand_added_the_documented_way(monkeypatch, capsys):
    monkeypatch.setattr(cli, "SUBCOMMANDS", [*cli.SUBCOMMANDS, _hello_command()])
    assert main(["hello", "--times", "2", "--name", "you"]) == 0
    assert capsys.readouterr().out == "hello, you\nhello, you\n"
    assert main(["hello", "--times", "0"]) == 2  # a value the parser refuses: usage error
    assert "usage error" in capsys.readouterr().err
    assert main(["hello", "--name", "nobody"]) == 2  # an error of deltaprop.errors: one line
    err = capsys.readouterr().err.strip()
    assert err == "deltaprop: error: --name must name somebody; got 'nobody'"
    assert "hello" in cli.build_parser().format_help()


@pytest.fixture(autouse=True, scope="module")
def _registered_for_this_file():
    """Register this file's optimizer and loss for its tests only (the registries are
    global): the recipes' decorators, applied here."""
    optim.register_optimizer("signsgd")(SignSGD)
    losses.register_loss(HalfSquaredError)
    yield
    optim.OPTIMIZERS.unregister("signsgd")
    losses.LOSSES.unregister("half_squared_error")
