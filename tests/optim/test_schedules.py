"""Learning-rate schedules: formulas, torch's schedulers, bad arguments."""

import math

import pytest

from deltaprop.errors import ParameterError
from deltaprop.optim.schedules import CosineAnnealing, ExponentialDecay, InverseScaling, StepDecay


def test_inverse_scaling_is_scikit_learns():
    # scikit-learn: after each epoch lr = lr0 / (samples_seen + 1) ** power_t
    s = InverseScaling(power_t=0.25)
    assert s(1, 0.1, 0) == 0.1
    assert s(3, 0.1, 2 * 50) == pytest.approx(0.1 / 101**0.25)
    assert InverseScaling(1.0, unit="epoch")(4, 1.0, 999) == 0.25


def test_cosine_end_points():
    s = CosineAnnealing(epochs=10, min_lr=0.01)
    assert s(1, 0.1) == pytest.approx(0.1)
    assert s(6, 0.1) == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi / 2)) / 2)
    assert s(11, 0.1) == pytest.approx(0.01) and s(50, 0.1) == pytest.approx(0.01)


@pytest.mark.parametrize(
    "ours, name, kwargs",
    [
        (StepDecay(3, 0.5), "StepLR", {"step_size": 3, "gamma": 0.5}),
        (ExponentialDecay(0.9), "ExponentialLR", {"gamma": 0.9}),
        (CosineAnnealing(7, 0.001), "CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
    ],
)
def test_matches_torch_schedulers(ours, name, kwargs):
    torch = pytest.importorskip("torch")
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    sched = getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    for epoch in range(1, 9):
        assert ours(epoch, 0.1) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12)
        opt.step()
        sched.step()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: StepDecay(0), "step_size must be >= 1; got 0"),
        (lambda: StepDecay(2, gamma=0), "gamma must be > 0.0; got 0"),
        (lambda: ExponentialDecay(-1), "gamma must be > 0.0; got -1"),
        (lambda: CosineAnnealing(0), "epochs must be >= 1; got 0"),
        (lambda: CosineAnnealing(5, min_lr=-1), "min_lr must be >= 0.0; got -1"),
        (lambda: InverseScaling(-0.5), "power_t must be >= 0.0; got -0.5"),
        (lambda: InverseScaling(unit="batch"), "unit must be one of 'sample', 'epoch'"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ParameterError, match=message):
        make()
