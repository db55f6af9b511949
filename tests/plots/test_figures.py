"""deltaprop.plots: each figure is checked on the data it draws (lines, texts, images)."""

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.engine import Tensor
from deltaprop.errors import ParameterError, ParameterTypeError
from deltaprop.explanation.models import preset_model

pytest.importorskip("matplotlib")
from deltaprop.plots import (  # noqa: E402
    plot_decision_boundary,
    plot_error_curve,
    plot_history,
    plot_network,
)


def _line(fig, gid):
    lines = [line for ax in fig.axes for line in ax.lines if line.get_gid() == gid]
    assert len(lines) == 1, gid
    return lines[0]


def _backprop_gradient(net, X, y, name, index):
    """dE/dw by the engine, on the network itself (float64 here), independently of plots."""
    net.zero_grad()
    target = net.loss.prepare_target(y, net.out_features, np.float64)
    net.loss(net(Tensor(np.asarray(X, dtype=np.float64))), Tensor(target)).backward()
    return float(dict(net.named_parameters())[name].grad[index])


def _loss_at(net, X, y, name, index, w):
    p = dict(net.named_parameters())[name]
    old = p.data[index]
    p.data[index] = w
    try:
        target = net.loss.prepare_target(y, net.out_features, np.float64)
        with dp.no_grad():
            return float(net.loss(net(np.asarray(X, dtype=np.float64)), Tensor(target)).data)
    finally:
        p.data[index] = old


@pytest.fixture
def moons_net():
    data = dp.datasets.make_moons(120, seed=1)
    net = dp.Sequential([dp.Dense(6, "tanh"), dp.Dense(2, "softmax")], seed=0, dtype="float64")
    net.fit(
        data.X,
        data.y,
        loss="cross_entropy",
        optimizer=dp.Adam(net.parameters(), lr=0.05),
        epochs=30,
        batch_size=None,
    )
    return net, data.X, data.y


@pytest.mark.parametrize(
    "weight", ["layers.1.weight[0,0]", "layers.0.weight[1,0]", "layers.0.bias[0]"]
)
def test_error_curve_tangent_slope_is_the_backprop_gradient(weight):
    net, X, y = preset_model("mazur")
    name, index = weight.split("[")[0], tuple(int(i) for i in weight[:-1].split("[")[1].split(","))
    fig = plot_error_curve(net, X, y, weight, lr=0.5)
    (x0, x1), (y0, y1) = _line(fig, "tangent").get_data()
    gradient = _backprop_gradient(net, X, y, name, index)
    assert (y1 - y0) / (x1 - x0) == pytest.approx(gradient, rel=1e-9, abs=1e-12)
    (w,), (e,) = _line(fig, "current").get_data()
    assert e == pytest.approx(0.298371109, abs=1e-9)  # the worked example's E_total
    (w_new,), (e_new,) = _line(fig, "step").get_data()
    assert w_new == pytest.approx(w - 0.5 * gradient, rel=1e-12)
    assert e_new == pytest.approx(_loss_at(net, X, y, name, index, w_new), rel=1e-12)
    values, errors = _line(fig, "curve").get_data()
    for k in (0, len(values) // 3, len(values) - 1):
        assert errors[k] == pytest.approx(_loss_at(net, X, y, name, index, values[k]), rel=1e-12)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("central difference" in t for t in legend)


def test_worked_example_w5_gradient_is_the_published_one():
    net, X, y = preset_model("mazur")
    fig = plot_error_curve(net, X, y, "layers.1.weight[0,0]")  # w5: h1 -> o1
    (x0, x1), (y0, y1) = _line(fig, "tangent").get_data()
    assert (y1 - y0) / (x1 - x0) == pytest.approx(0.082167041, abs=1e-9)


def test_error_curve_of_a_float32_trained_classifier_is_float64(moons_net):
    net, X, y = moons_net
    net32 = dp.Sequential.from_config(net.get_config())
    net32.load_state_dict(net.state_dict())
    fig = plot_error_curve(net, X, y, "layers.0.weight[0,2]", lr=0.1)
    (x0, x1), (y0, y1) = _line(fig, "tangent").get_data()
    assert (y1 - y0) / (x1 - x0) == pytest.approx(
        _backprop_gradient(net, X, y, "layers.0.weight", (0, 2)), rel=1e-9
    )


def test_error_curve_rejects_unknown_weights_naming_the_parameters():
    net, X, y = preset_model("mazur")
    with pytest.raises(ParameterError, match=r"layers\.0\.weight\[2, 2\]"):
        plot_error_curve(net, X, y, "layers.7.weight[0,0]")
    with pytest.raises(ParameterError, match=r"shape \[2, 2\]"):
        plot_error_curve(net, X, y, "layers.0.weight[5,0]")
    with pytest.raises(ParameterError, match="lr must be >= 0"):
        plot_error_curve(net, X, y, lr=-1)
    with pytest.raises(ParameterTypeError, match="Sequential"):
        plot_error_curve("net", X, y)


def test_history_lines_are_the_history(moons_net):
    net, X, y = moons_net
    history = net.fit(
        X,
        y,
        optimizer=dp.SGD(net.parameters(), lr=0.1),
        epochs=7,
        validation_split=0.25,
        train_metrics=True,
    )
    fig = plot_history(history, log=True)
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "lr"):
        xs, ys = _line(fig, f"line:{key}").get_data()
        assert list(xs) == history.epochs
        assert list(ys) == history[key]
    assert fig.axes[0].get_yscale() == "log"
    stops = [line for ax in fig.axes for line in ax.lines if line.get_gid() == "stop"]
    assert stops and all(line.get_xdata()[0] == history.epochs[-1] for line in stops)
    assert any(history.stop_reason in t.get_text() for t in fig.axes[0].texts)


def test_history_refuses_what_is_not_one():
    with pytest.raises(ParameterTypeError, match="History"):
        plot_history({"loss": [1.0]})
    with pytest.raises(ParameterError, match="empty"):
        plot_history(dp.History())


def test_network_diagram_draws_the_weights_and_the_engine_values():
    net, X, _ = preset_model("mazur")
    fig = plot_network(net, X[0])
    ax = fig.axes[0]
    edges = {line.get_gid(): line for line in ax.lines if (line.get_gid() or "").startswith("edge")}
    assert len(edges) == 8
    w5 = edges["edge:1:0:0"]  # h1 -> o1, w5 = 0.4; the widest edge is w8 = 0.55
    assert w5.get_linewidth() < edges["edge:1:1:1"].get_linewidth()
    texts = [t.get_text() for t in ax.texts]
    for w in ("0.15", "0.2", "0.25", "0.3", "0.4", "0.45", "0.5", "0.55"):
        assert w in texts
    h1 = net.layers[0](np.asarray(X[:1])).data[0, 0]
    assert any(f"out {h1:.4g}" in t for t in texts)  # out_h1 = 0.5933 from the engine
    assert any("net 0.3775" in t for t in texts)


def test_network_edges_are_coloured_by_sign():
    net = dp.Sequential([dp.Dense(2, init=[[1.0, -1.0]], in_features=1)], seed=0)
    lines = {line.get_gid(): line for line in plot_network(net).axes[0].lines}
    from deltaprop.plots._figure import NEGATIVE, POSITIVE

    assert lines["edge:0:0:0"].get_color() == POSITIVE
    assert lines["edge:0:0:1"].get_color() == NEGATIVE


def test_large_network_is_drawn_without_labels_and_with_a_gap():
    net = dp.Sequential([dp.Dense(64, "relu"), dp.Dense(10, "softmax")], seed=0)
    net.build(30)
    ax = plot_network(net).axes[0]
    edges = [line for line in ax.lines if (line.get_gid() or "").startswith("edge")]
    assert len(edges) == 15 * 15 + 15 * 10  # 15 neurons shown of each wide layer
    texts = [t.get_text() for t in ax.texts]
    assert "⋮ 15 more" in texts and "⋮ 49 more" in texts
    assert not any(t.startswith("net ") for t in texts)


def test_network_refuses_wrong_inputs():
    net, _, _ = preset_model("mazur")
    with pytest.raises(ParameterError, match="one example of 2 features"):
        plot_network(net, [1.0, 2.0, 3.0])
    with pytest.raises(ParameterError, match="no weights yet"):
        plot_network(dp.Sequential([dp.Dense(2)]))


def test_decision_boundary_image_is_the_networks_probabilities(moons_net):
    net, X, y = moons_net
    fig = plot_decision_boundary(net, X, y, resolution=40)
    from deltaprop.explanation.boundary import boundary_grid

    grid = boundary_grid(net, X, resolution=40)
    gx, gy = np.meshgrid(grid.xs, grid.ys)
    proba = net.predict_proba(np.c_[gx.ravel(), gy.ravel()]).reshape(40, 40, 2)
    np.testing.assert_allclose(grid.values, proba, rtol=1e-12, atol=1e-12)
    image = [im for im in fig.axes[0].images if im.get_gid() == "heatmap"][0]
    assert image.get_array().shape == (40, 40, 3)
    drawn = np.vstack(
        [
            c.get_offsets()
            for c in fig.axes[0].collections
            if (c.get_gid() or "").startswith("points:")
        ]
    )
    assert sorted(map(tuple, drawn.tolist())) == sorted(map(tuple, X.astype(float).tolist()))


def test_decision_boundary_with_more_features_holds_the_others_at_their_means():
    data = dp.datasets.load_iris()
    net = dp.Sequential([dp.Dense(3, "softmax")], seed=0)
    net.fit(data.X, data.y, loss="cross_entropy", epochs=3)
    fig = plot_decision_boundary(net, data.X, data.y, features=(2, 3), resolution=20)
    assert "other 2 features at their means" in fig.axes[0].get_title()
    from deltaprop.explanation.boundary import boundary_grid

    grid = boundary_grid(net, data.X, features=(2, 3), resolution=20)
    np.testing.assert_allclose(grid.fixed, data.X.astype(np.float64).mean(axis=0))
    with pytest.raises(ParameterError, match="two different column indices"):
        plot_decision_boundary(net, data.X, data.y, features=(1, 1))


def test_regression_surface_uses_the_outputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = X[:, 0] - X[:, 1]
    net = dp.Sequential([dp.Dense(1)], seed=0)
    net.fit(X, y, epochs=2)
    fig = plot_decision_boundary(net, X, y, resolution=10)
    image = [im for im in fig.axes[0].images if im.get_gid() == "heatmap"][0]
    assert image.get_array().shape == (10, 10)
