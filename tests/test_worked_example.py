"""SPEC.md section 5: the 2-2-2 worked example through the public API, checked to 1e-9
against an independent calculation written out here in plain Python (no engine, no NumPy)."""

import math

import numpy as np
import pytest

import deltaprop as dp

I1, I2 = 0.05, 0.10
T1, T2 = 0.01, 0.99
W = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
B1, B2 = 0.35, 0.60
ETA = 0.5


def logistic(x):
    return 1.0 / (1.0 + math.exp(-x))


def by_hand(w):
    """Forward, error, backward and update from the formulas of SPEC.md sections 1-4."""
    net_h1 = w["w1"] * I1 + w["w2"] * I2 + B1
    net_h2 = w["w3"] * I1 + w["w4"] * I2 + B1
    out_h1, out_h2 = logistic(net_h1), logistic(net_h2)
    net_o1 = w["w5"] * out_h1 + w["w6"] * out_h2 + B2
    net_o2 = w["w7"] * out_h1 + w["w8"] * out_h2 + B2
    out_o1, out_o2 = logistic(net_o1), logistic(net_o2)
    e_total = 0.5 * (T1 - out_o1) ** 2 + 0.5 * (T2 - out_o2) ** 2
    # output deltas: dE/dout * dout/dnet
    d_o1 = -(T1 - out_o1) * out_o1 * (1 - out_o1)
    d_o2 = -(T2 - out_o2) * out_o2 * (1 - out_o2)
    grad = {
        "w5": d_o1 * out_h1,
        "w6": d_o1 * out_h2,
        "w7": d_o2 * out_h1,
        "w8": d_o2 * out_h2,
    }
    # hidden deltas use the weights of the forward pass (before any update)
    d_h1 = (d_o1 * w["w5"] + d_o2 * w["w7"]) * out_h1 * (1 - out_h1)
    d_h2 = (d_o1 * w["w6"] + d_o2 * w["w8"]) * out_h2 * (1 - out_h2)
    grad.update({"w1": d_h1 * I1, "w2": d_h1 * I2, "w3": d_h2 * I1, "w4": d_h2 * I2})
    updated = {k: w[k] - ETA * grad[k] for k in w}
    return {
        "out_h": (out_h1, out_h2),
        "out_o": (out_o1, out_o2),
        "e_total": e_total,
        "grad": grad,
        "updated": updated,
    }


def build():
    net = dp.Sequential(
        [
            dp.Dense(
                2,
                "logistic",
                init=[[W["w1"], W["w3"]], [W["w2"], W["w4"]]],
                bias="shared",
                bias_init=B1,
            ),
            dp.Dense(
                2,
                "logistic",
                init=[[W["w5"], W["w7"]], [W["w6"], W["w8"]]],
                bias="shared",
                bias_init=B2,
            ),
        ],
        dtype="float64",
    )
    net.build(2)
    for layer in net.layers:
        layer.bias.requires_grad = False  # the published walk-through keeps biases fixed
    return net


def as_named(net):
    (w1, w3), (w2, w4) = net.layers[0].weight.data
    (w5, w7), (w6, w8) = net.layers[1].weight.data
    return dict(w1=w1, w2=w2, w3=w3, w4=w4, w5=w5, w6=w6, w7=w7, w8=w8)


def grads_named(net):
    (g1, g3), (g2, g4) = net.layers[0].weight.grad
    (g5, g7), (g6, g8) = net.layers[1].weight.grad
    return dict(w1=g1, w2=g2, w3=g3, w4=g4, w5=g5, w6=g6, w7=g7, w8=g8)


def test_one_step_matches_the_hand_calculation():
    expected = by_hand(W)
    net = build()
    x = np.array([[I1, I2]])
    hidden = net.layers[0](x)
    out = net.layers[1](hidden)
    assert hidden.data[0] == pytest.approx(expected["out_h"], abs=1e-9)
    assert out.data[0] == pytest.approx(expected["out_o"], abs=1e-9)
    error = dp.losses.squared_error(out, np.array([[T1, T2]]), reduction="sum_half")
    assert error.item() == pytest.approx(expected["e_total"], abs=1e-9)
    error.backward()
    for name, value in grads_named(net).items():
        assert value == pytest.approx(expected["grad"][name], abs=1e-9), name
    assert net.layers[0].bias.grad is None and net.layers[1].bias.grad is None
    dp.SGD(net.parameters(), lr=ETA).step()
    for name, value in as_named(net).items():
        assert value == pytest.approx(expected["updated"][name], abs=1e-9), name
    assert net.layers[0].bias.data.tolist() == [B1] and net.layers[1].bias.data.tolist() == [B2]


def test_published_figures_of_the_first_step():
    """Figures printed in the walk-through (rounded there to 9 digits)."""
    expected = by_hand(W)
    assert expected["e_total"] == pytest.approx(0.298371109, abs=1e-9)
    assert expected["updated"]["w5"] == pytest.approx(0.35891648, abs=1e-8)
    assert expected["updated"]["w1"] == pytest.approx(0.149780716, abs=1e-9)


def test_fit_online_repeats_the_step():
    """fit with batch_size=1 on the one example does what the manual loop does, 3 times."""
    w = dict(W)
    for _ in range(3):
        w = by_hand(w)["updated"]
    net = build()
    net.fit(
        np.array([[I1, I2]]),
        np.array([[T1, T2]]),
        loss=dp.losses.SquaredError("sum_half"),
        optimizer=dp.SGD(net.parameters(), lr=ETA),
        epochs=3,
        batch_size=1,
        shuffle=False,
    )
    for name, value in as_named(net).items():
        assert value == pytest.approx(w[name], abs=1e-12), name
