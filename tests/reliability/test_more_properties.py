"""Property tests that complete tests/test_properties.py (issue 6, item 5).

That module checks gradients through a hand-written forward pass, batch-size independence
and exact save/load of freshly built networks, and repeatability from one saved state. Here:
gradients through the network's *own* forward pass with every loss form (reductions,
``from_logits``); save/load of *trained* networks with class labels and a Standardize layer
in float32; and the same seed giving the same run when everything is rebuilt from scratch
(initial weights, dropout masks, shuffling, validation split, Adam state).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deltaprop as dp
from deltaprop.errors import TrainingDiverged
from deltaprop.nn import Standardize

SMOOTH = ["logistic", "tanh", "identity"]  # kinked activations: see tests/test_properties.py
LOSSES = [
    {"name": "squared_error", "reduction": "mean"},
    {"name": "squared_error", "reduction": "sum"},
    {"name": "squared_error", "reduction": "sum_half"},
    {"name": "cross_entropy"},
    {"name": "cross_entropy", "from_logits": True},
    {"name": "cross_entropy", "reduction": "sum"},
    {"name": "binary_cross_entropy"},
    {"name": "binary_cross_entropy", "from_logits": True},
]
QUICK = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


@st.composite
def problems(draw):
    loss = draw(st.sampled_from(LOSSES))
    n_in = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 4), max_size=2))
    batch = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    multiclass = loss["name"] == "cross_entropy"
    n_out = draw(st.integers(2, 3)) if multiclass else draw(st.integers(1, 3))
    logits = loss.get("from_logits", False)
    out_activation = None
    if not logits:
        out_activation = {"cross_entropy": "softmax", "binary_cross_entropy": "logistic"}.get(
            loss["name"], draw(st.sampled_from(SMOOTH))
        )
    activation = draw(st.sampled_from(SMOOTH))
    layers = [dp.Dense(h, activation) for h in hidden] + [dp.Dense(n_out, out_activation)]
    net = dp.Sequential(layers, seed=seed, dtype="float64")
    net.build(n_in)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, n_in))
    if multiclass:
        y = rng.integers(0, n_out, batch)
    elif loss["name"] == "binary_cross_entropy":
        y = rng.integers(0, 2, (batch, n_out)).astype(float)
    else:
        y = rng.normal(size=(batch, n_out))
    return net, X, y, dp.losses.get(loss)


@QUICK
@given(problems())
def test_gradients_through_the_network_match_central_differences(case):
    net, X, y, loss = case
    target = loss.prepare_target(y, net.layers[-1].units, np.float64)

    def error():
        return loss(net(dp.Tensor(X)), target)

    net.zero_grad()
    error().backward()  # the analytic gradient, from the network's own backward pass
    eps = 1e-6
    for name, p in net.named_parameters():
        numeric = np.zeros_like(p.data)
        for i in np.ndindex(p.data.shape):
            kept = p.data[i]
            p.data[i] = kept + eps
            up = float(error().data)
            p.data[i] = kept - eps
            down = float(error().data)
            p.data[i] = kept
            numeric[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(p.grad, numeric, rtol=1e-5, atol=1e-7, err_msg=name)


def _classification_data(seed, n=24):
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, 3)) * [1.0, 10.0, 100.0] + [0.0, 5.0, -50.0]).astype(np.float32)
    index = np.argmax(X[:, :3] * [1.0, 0.1, 0.01], axis=1)
    index[:3] = [0, 1, 2]  # every class present: the output layer has one unit per class
    return X, np.array(["ant", "bee", "cat"])[index]


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**16), st.integers(1, 9))
def test_trained_classifier_round_trips_exactly(tmp_path_factory, seed, batch_size):
    X, y = _classification_data(seed)
    net = dp.Sequential(
        [Standardize().fit(X), dp.Dense(4, "tanh"), dp.Dense(3, "softmax")], seed=seed
    )
    net.fit(X, y, loss="cross_entropy", epochs=2, batch_size=batch_size, seed=seed)
    path = tmp_path_factory.mktemp("trained") / "net.dpm"
    net.save(path)
    again = dp.load(path)
    np.testing.assert_array_equal(again.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(again.predict(X), net.predict(X))
    assert again.classes_.tolist() == net.classes_.tolist()
    for (n1, p1), (n2, p2) in zip(net.named_parameters(), again.named_parameters()):
        assert n1 == n2 and p1.data.dtype == p2.data.dtype == np.float32
        np.testing.assert_array_equal(p1.data, p2.data)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**16), st.sampled_from(["sgd", "adam"]), st.integers(1, 8))
def test_same_seed_same_run_from_scratch(seed, solver, batch_size):
    X, y = _classification_data(seed)

    def run():
        net = dp.Sequential(
            [dp.Dense(5, "relu"), dp.Dropout(0.3), dp.Dense(3, "softmax")], seed=seed
        )
        net.build(X.shape[1])
        optimizer = (
            dp.SGD(net.parameters(), lr=0.05, momentum=0.9)
            if solver == "sgd"
            else dp.Adam(net.parameters(), lr=0.01)
        )
        try:
            history = net.fit(
                X,
                y,
                loss="cross_entropy",
                optimizer=optimizer,
                epochs=3,
                batch_size=batch_size,
                seed=seed,
                validation_split=0.25,
            )
        except TrainingDiverged as exc:  # unscaled features, momentum 0.9, one row a step:
            return str(exc), net.state_dict()  # the same seed must diverge the same way
        return history.history, net.state_dict()

    (h1, w1), (h2, w2) = run(), run()
    assert h1 == h2
    assert w1.keys() == w2.keys()
    for name in w1:
        np.testing.assert_array_equal(w1[name], w2[name])
