"""deltaprop demo: trains on the bundled digits and reports the test accuracy."""

import re

from deltaprop.cli import main


def test_demo_trains_and_reports_test_accuracy(capsys):
    assert main(["demo", "--epochs", "2", "--seed", "1"]) == 0
    captured = capsys.readouterr()
    text = captured.out + captured.err
    accuracy = float(re.search(r"test accuracy ([0-9.]+)", text).group(1))
    assert accuracy > 0.8  # two epochs of SGD with momentum on 1348 8x8 digits
    assert "deltaprop explain --example mazur" in text


def test_demo_rejects_a_bad_epoch_count_before_training(capsys):
    assert main(["demo", "--epochs", "0"]) == 2
    captured = capsys.readouterr()
    assert "positive integer" in captured.err and "demo:" not in captured.out
