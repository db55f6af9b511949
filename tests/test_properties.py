"""Property-based tests (hypothesis) of the invariants the engine and networks promise."""

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import deltaprop as dp

ACTIVATIONS = ["logistic", "tanh", "relu", "leaky_relu", "identity"]
LOSSES = ["squared_error", "cross_entropy", "binary_cross_entropy"]


@st.composite
def networks(draw):
    n_in = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 5), min_size=0, max_size=2))
    activation = draw(st.sampled_from(ACTIVATIONS))
    loss = draw(st.sampled_from(LOSSES))
    n_out = draw(st.integers(2, 3)) if loss == "cross_entropy" else draw(st.integers(1, 3))
    out_activation = {"cross_entropy": "softmax", "binary_cross_entropy": "logistic"}.get(
        loss, draw(st.sampled_from(["identity", "logistic", "tanh"]))
    )
    bias = draw(st.sampled_from([True, False, "shared"]))
    batch = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    layers = [dp.Dense(h, activation, bias=bias) for h in hidden]
    layers.append(dp.Dense(n_out, out_activation, bias=bias))
    net = dp.Sequential(layers, seed=seed, dtype="float64")
    net.build(n_in)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, n_in))
    if loss == "cross_entropy":
        y = rng.integers(0, n_out, batch)
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, (batch, n_out)).astype(float)
    else:
        y = rng.normal(size=(batch, n_out))
    return net, X, y, loss


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_parameter_gradients_match_central_differences(case):
    net, X, y, loss_name = case
    loss = dp.losses.get(loss_name)
    params = net.parameters()

    def fn(*values):
        for p, v in zip(params, values):
            p.data = v.data
        h = dp.Tensor(X)
        for layer, (w, *b) in zip(net.layers, _pairs(values, net)):
            net_in = dp.engine.functional.linear(h, w, b[0] if b else None)
            h = layer.activation(net_in)
        return loss(h, y)

    # A relu unit's net input within the difference step of 0 is the one case where central
    # differences are wrong (they straddle the kink): such draws are discarded, never excused.
    assume(_distance_to_kinks(net, X) > 1e-4)
    result = dp.gradcheck(
        fn, *[p.data.copy() for p in params], raise_on_failure=False, atol=1e-5, rtol=1e-4
    )
    assert result.passed, result.report()


def _distance_to_kinks(net, X) -> float:
    """The smallest |net input| of any relu or leaky relu unit on X (inf when none)."""
    nearest = np.inf
    h = X
    for layer in net.layers:
        z = h @ layer.weight.data + (0.0 if layer.bias is None else layer.bias.data)
        if layer.activation.name in ("relu", "leaky_relu"):
            nearest = min(nearest, float(np.min(np.abs(z))))
        h = layer.activation(dp.Tensor(z)).data
    return nearest


def _pairs(values, net):
    it = iter(values)
    for layer in net.layers:
        w = next(it)
        yield (w, next(it)) if layer.bias is not None else (w,)


@settings(max_examples=40, deadline=None)
@given(networks(), st.integers(1, 7))
def test_predictions_do_not_depend_on_batch_size(case, batch_size):
    net, X, _, _ = case
    whole = net.forward_outputs(X, batch_size=len(X))
    np.testing.assert_allclose(
        net.forward_outputs(X, batch_size=batch_size), whole, rtol=1e-12, atol=1e-12
    )


@settings(max_examples=25, deadline=None)
@given(networks())
def test_save_load_round_trip_is_exact(tmp_path_factory, case):
    net, X, y, loss_name = case
    net.loss = dp.losses.get(loss_name)
    path = tmp_path_factory.mktemp("m") / "net.dpm"
    net.save(path)
    again = dp.load(path)
    np.testing.assert_array_equal(again.forward_outputs(X), net.forward_outputs(X))
    for (n1, p1), (n2, p2) in zip(net.named_parameters(), again.named_parameters()):
        assert n1 == n2 and p1.data.dtype == p2.data.dtype
        np.testing.assert_array_equal(p1.data, p2.data)


@settings(max_examples=15, deadline=None)
@given(networks(), st.integers(0, 1000))
def test_same_seed_same_training_run(case, seed):
    net, X, y, loss_name = case
    state = net.state_dict()

    def run():
        net.load_state_dict(state)
        net.fit(
            X,
            y,
            loss=loss_name,
            optimizer=dp.SGD(net.parameters(), lr=0.05, momentum=0.5),
            epochs=3,
            batch_size=2,
            seed=seed,
        )
        return net.state_dict()

    a, b = run(), run()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
