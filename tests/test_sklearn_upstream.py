"""scikit-learn's own MLP test suite, run against deltaprop's estimators.

The tests are read from the installed scikit-learn (``sklearn/neural_network/tests/
test_mlp.py``; nothing of it is copied here), their one import of ``MLPClassifier`` and
``MLPRegressor`` is pointed at :mod:`deltaprop.sklearn`, and the result is executed as this
module, so pytest collects every test of it as a test of deltaprop. The tests named in
``EXCEPTIONS`` are marked xfail (strict: one that starts passing fails, so the list cannot go
stale) with the reason.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

_UPSTREAM_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
_OURS = "from deltaprop.sklearn import MLPClassifier, MLPRegressor"

# test id (name with its parameters, as pytest shows it) -> why it does not pass
EXCEPTIONS: dict[str, str] = {}


def _upstream_source() -> tuple[str, str]:
    spec = importlib.util.find_spec("sklearn.neural_network")
    path = Path(spec.origin).parent / "tests" / "test_mlp.py"
    if not path.is_file():  # pragma: no cover - a scikit-learn installed without its tests
        pytest.skip(f"scikit-learn's tests are not installed: {path}", allow_module_level=True)
    source = path.read_text(encoding="utf-8")
    if source.count(_UPSTREAM_IMPORT) != 1:  # pragma: no cover - a new scikit-learn layout
        raise RuntimeError(f"{path}: expected the line {_UPSTREAM_IMPORT!r} exactly once")
    return str(path), source.replace(_UPSTREAM_IMPORT, _OURS)


_path, _source = _upstream_source()
exec(compile(_source, _path, "exec"), globals())  # the installed test module, import redirected


@pytest.fixture
def global_random_seed():
    """scikit-learn's conftest fixture (its default seed), which its tests expect."""
    return 42


@pytest.fixture(autouse=True)
def _known_exceptions(request):
    reason = EXCEPTIONS.get(request.node.name) or EXCEPTIONS.get(request.node.originalname)
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
