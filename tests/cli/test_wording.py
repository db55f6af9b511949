"""Words of the command-line output (issue 13): plurals that agree with their numbers, one
model-file suffix, and a README that says what a model file holds."""

import re
from pathlib import Path

from deltaprop.cli import build_parser, main

README = Path(__file__).resolve().parents[2] / "README.md"


def test_singular_counts_in_datasets_list(capsys):
    assert main(["datasets", "list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"one-weight\s+3 rows\s+1 feature ", out)
    assert re.search(r"worked-example\s+1 row\s+2 features ", out)
    assert not re.search(r"\b1 (rows|features)\b", out)


def test_one_epoch_is_an_epoch(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,y\n0,0\n1,1\n2,0\n3,1\n")
    assert (
        main(["train", str(data), "--target", "y", "--epochs", "1", "--out", str(tmp_path / "m")])
        == 0
    )
    captured = capsys.readouterr()
    assert "trained 1 epoch in" in captured.out and "1 epochs" not in captured.out
    assert "on 4 rows" in captured.err
    one = tmp_path / "one.csv"
    one.write_text("a\n5\n")
    assert main(["predict", str(tmp_path / "m"), str(one), "-o", str(tmp_path / "p.csv")]) == 0
    assert "wrote 1 prediction to" in capsys.readouterr().err


def test_model_files_are_dpm_everywhere():
    parser = build_parser()
    launch = parser._subparsers._group_actions[0].choices["launch"]
    assert ".dpz" not in launch.format_help() and ".dpm" in launch.format_help()


def test_readme_says_what_a_model_file_stores():
    text = README.read_text()
    assert "config.npy" in text and "JSON config" not in text
    assert 'Matt Mazur\'s "A Step by Step Backpropagation Example" (2015)' in text
