"""End to end in headless chromium: the playground and the interactive explain page."""

import re

import numpy as np
import pytest

import deltaprop as dp

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402


def _csv(tmp_path, name="points.csv"):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    label = np.where(X[:, 0] ** 2 + X[:, 1] ** 2 < 1.0, "inside", "outside")
    path = tmp_path / name
    path.write_text(
        "u,v,where\n" + "".join(f"{a:.5f},{b:.5f},{c}\n" for (a, b), c in zip(X, label))
    )
    return path


def test_worked_example_preset_then_one_step(page, playground, shots):
    page.goto(playground.url)
    preset = page.get_by_test_id("preset")
    assert "worked example" in preset.locator("option:checked").inner_text()
    expect(page.get_by_test_id("error")).to_have_text("0.298371109")
    expect(page.get_by_test_id("network")).to_be_visible()
    page.screenshot(path=shots / "playground-worked-example.png", full_page=True)
    page.get_by_test_id("step").click()
    expect(page.get_by_test_id("error")).to_have_text("0.291027774")
    page.get_by_test_id("reset").click()
    expect(page.get_by_test_id("error")).to_have_text("0.298371109")


def test_editing_a_weight_gives_the_engines_error(page, playground, shots):
    page.goto(playground.url)
    expect(page.get_by_test_id("error")).to_have_text("0.298371109")
    page.locator('[data-testid="network"] [data-id="layers.1.weight[0,0]"]').click()
    field = page.get_by_test_id("weight-input")
    expect(field).to_be_visible()
    field.fill("1.25")
    field.dispatch_event("change")
    net, X, y = dp.explanation.models.preset_model("mazur")
    net.layers[1].weight.data[0, 0] = 1.25
    with dp.no_grad():
        expected = float(net.loss(net(X), dp.Tensor(y)).data)
    expect(page.get_by_test_id("error")).to_have_text(f"{expected:.9g}")
    expect(page.get_by_test_id("weight-value")).to_have_text("1.25")
    page.screenshot(path=shots / "playground-weight-panel.png", full_page=True)
    page.get_by_test_id("weight-slider").fill("0.9")  # dragging the slider sends its value
    net.layers[1].weight.data[0, 0] = 0.9
    with dp.no_grad():
        dragged = float(net.loss(net(X), dp.Tensor(y)).data)
    expect(page.get_by_test_id("error")).to_have_text(f"{dragged:.9g}")
    page.locator('[data-testid="network"] [data-id="layers.0.unit[0]"]').click()
    expect(page.locator("#panel")).to_contain_text("neuron 1 of layer 0")
    expect(page.get_by_test_id("message")).to_have_text("")


def test_uploaded_csv_trains_to_high_accuracy(page, playground, shots, tmp_path):
    page.goto(playground.url)
    expect(page.get_by_test_id("error")).to_have_text("0.298371109")
    page.get_by_test_id("upload").set_input_files(str(_csv(tmp_path)))
    expect(page.locator("#rows")).to_contain_text("points.csv")
    expect(page.get_by_test_id("target")).to_have_value("where")
    page.get_by_test_id("train").click()
    # Train runs epoch after epoch until Pause; 60 epochs, however long a loaded machine takes
    expect(page.locator("#epochs")).to_have_text(re.compile(r"^([6-9]\d|\d{3,})$"), timeout=180_000)
    page.get_by_test_id("pause").click()
    expect(page.get_by_test_id("train")).to_be_enabled()
    accuracy = float(page.get_by_test_id("accuracy").inner_text().split()[-1])
    assert accuracy > 0.9
    expect(page.get_by_test_id("boundary")).to_be_visible()
    expect(page.get_by_test_id("loss-chart").locator("polyline")).to_have_count(2)
    page.screenshot(path=shots / "playground-upload-trained.png", full_page=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02binary\x00", "not a CSV"),
        (b"a,label\n1,same\n2,same\n3,same\n", "single class"),
        (b"onlyone\n1\n", "at least two columns"),
    ],
)
def test_bad_uploads_show_the_message(page, playground, shots, tmp_path, content, message):
    page.goto(playground.url)
    expect(page.get_by_test_id("error")).to_have_text("0.298371109")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    page.get_by_test_id("upload").set_input_files(str(bad))
    expect(page.get_by_test_id("message")).to_contain_text(message)
    page.screenshot(path=shots / f"playground-bad-upload-{message.split()[0]}.png")
    page.get_by_test_id("step").click()  # the server keeps serving
    expect(page.get_by_test_id("error")).to_have_text("0.291027774")


def test_explain_page_steps_through(page, shots, tmp_path):
    path = tmp_path / "mazur.html"
    path.write_text(dp.explain(example="mazur").render("html"), encoding="utf-8")
    page.goto(path.as_uri())
    position = page.get_by_test_id("position")
    expect(position).to_contain_text("forward · line 1 of")
    expect(page.locator('.step .neuron.hl[data-id="h1"]')).to_have_count(1)
    page.screenshot(path=shots / "explain-forward.png", full_page=True)
    page.keyboard.press("ArrowRight")
    expect(position).to_contain_text("line 2 of")
    page.get_by_test_id("next").click()
    expect(position).to_contain_text("line 3 of")
    page.get_by_test_id("prev").click()
    expect(position).to_contain_text("line 2 of")
    page.get_by_test_id("phase-error").click()
    expect(position).to_contain_text("error")
    page.get_by_test_id("phase-backward").click()
    expect(position).to_contain_text("backward")
    page.screenshot(path=shots / "explain-backward.png", full_page=True)
    page.locator('.diagram [data-id="w5"]').first.click()
    panel = page.locator("#p-0-w5")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("0.0821670406")
    expect(panel.locator("svg.curve .tangent")).to_have_count(1)
    page.get_by_test_id("phase-update").click()
    expect(page.locator(".line.current")).to_contain_text("0.149780716")  # w1+
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    expect(page.locator(".line.current")).to_contain_text("0.291027774")
    expect(page.locator(".line.current .erratum")).to_contain_text("0.291027924")
    page.screenshot(path=shots / "explain-update-erratum.png", full_page=True)
