"""deltaprop plot ... and deltaprop train --plot write the figures; bad input is one line."""

import pytest

pytest.importorskip("matplotlib")

import deltaprop as dp  # noqa: E402
from deltaprop.cli import main  # noqa: E402
from deltaprop.io.history import history_csv, read_history, write_history  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def moons(tmp_path):
    path = tmp_path / "moons.csv"
    assert main(["datasets", "export", "moons", str(path), "--n-samples", "80"]) == 0
    return path


def test_plot_each_figure_of_the_worked_example(tmp_path):
    for figure, extra in (("network", []), ("error-curve", ["--weight", "layers.0.weight[0,0]"])):
        out = tmp_path / f"{figure}.png"
        assert main(["plot", figure, "--example", "mazur", *extra, "--out", str(out)]) == 0
        assert out.read_bytes().startswith(PNG)
    svg = tmp_path / "curve.svg"
    assert (
        main(["plot", "error-curve", "--example", "one-weight", "--lr", "0.1", "--out", str(svg)])
        == 0
    )
    assert "<svg" in svg.read_text()


def test_train_plot_then_plot_boundary_network_curve(tmp_path, moons, capsys):
    model, hist = tmp_path / "m.dpm", tmp_path / "h.png"
    assert (
        main(
            [
                "train",
                str(moons),
                "--target",
                "label",
                "--hidden",
                "4",
                "--epochs",
                "3",
                "--out",
                str(model),
                "--plot",
                str(hist),
                "--quiet",
            ]
        )
        == 0
    )
    assert hist.read_bytes().startswith(PNG)
    for args in (
        ["boundary", str(model), str(moons), "--features", "x2,x1"],
        ["network", str(model), "--x", "0.1,0.2"],
        ["error-curve", str(model), str(moons), "--weight", "layers.2.bias[1]"],
    ):
        out = tmp_path / f"{args[0]}.svg"
        assert main(["plot", *args, "--out", str(out)]) == 0, capsys.readouterr().err
        assert out.stat().st_size > 1000


def test_history_csv_round_trip_and_plot(tmp_path):
    net = dp.Sequential([dp.Dense(1)], seed=0)
    import numpy as np

    history = net.fit(np.ones((6, 2)), np.arange(6.0), epochs=4, validation_split=0.3)
    path = tmp_path / "history.csv"
    write_history(history, path)
    back = read_history(path)
    assert back.epochs == history.epochs and back.history == history.history
    assert history_csv(history).splitlines()[0] == "epoch," + ",".join(history.history)
    assert main(["plot", "history", str(path), "--log", "--out", str(tmp_path / "h.png")]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["network", "--example", "mazur", "--out", "x.jpg"], "must end in .png or .svg"),
        (["network", "--out", "x.png"], "needs one of MODEL"),
        (["history", "--out", "x.png"], "takes one HISTORY.csv"),
        (["network", "--example", "mazur", "--x", "a,b", "--out", "x.png"], "numbers"),
        (
            ["error-curve", "--example", "mazur", "--weight", "w9", "--out", "x.png"],
            "no weight 'w9'",
        ),
    ],
)
def test_plot_errors_are_one_line(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["plot", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_bad_history_file_names_the_problem(tmp_path, capsys):
    bad = tmp_path / "h.csv"
    bad.write_text("loss\n1\n")
    assert main(["plot", "history", str(bad), "--out", str(tmp_path / "h.png")]) == 2
    assert "must start with 'epoch'" in capsys.readouterr().err


def test_train_refuses_a_bad_plot_name_before_training(tmp_path, moons, capsys):
    model = tmp_path / "m.dpm"
    assert (
        main(
            [
                "train",
                str(moons),
                "--target",
                "label",
                "--out",
                str(model),
                "--plot",
                str(tmp_path / "h.gif"),
                "--quiet",
            ]
        )
        == 2
    )
    assert not model.exists()
