"""deltaprop demo's options are checked when the command line is parsed."""

from deltaprop.cli import main


def test_demo_rejects_a_bad_epoch_count_before_training(capsys):
    assert main(["demo", "--epochs", "0"]) == 2
    captured = capsys.readouterr()
    assert "positive integer" in captured.err and "demo:" not in captured.out
    assert len(captured.err.strip().splitlines()) == 1
