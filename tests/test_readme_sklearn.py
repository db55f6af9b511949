"""The README's "scikit-learn estimators" example runs as written."""

import re
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sklearn_example_runs(capsys):
    section = README.read_text().split("## scikit-learn estimators", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)
    accuracy = float(capsys.readouterr().out.split()[0])
    assert accuracy > 0.95
    assert scope["search"].best_score_ > 0.9
    stream = scope["stream"]
    # one score per partial_fit call (at most 60: early stopping may end it); n_iter_ counts
    # the last call's epochs, as scikit-learn
    assert len(stream.validation_scores_) == len(stream.loss_curve_) <= 60
    assert stream.n_iter_ == 1
    assert stream.best_validation_score_ > 0.7
    assert scope["reg"].score(scope["x"], __import__("numpy").sin(scope["x"][:, 0])) > 0.95
