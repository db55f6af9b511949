"""explain --format html: one self-contained interactive page whose numbers are the engine's."""

import json
import re
from pathlib import Path

import pytest

import deltaprop as dp
from deltaprop.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture(scope="module")
def mazur():
    e = dp.explain(example="mazur")
    return e, e.render("html")


def _data(page: str) -> dict:
    payload = re.search(r'<script type="application/json" id="dp-data">(.*?)</script>', page, re.S)
    return json.loads(payload.group(1).replace("<\\/", "</"))


def test_page_is_self_contained(mazur):
    _, page = mazur
    assert "<link" not in page and "<img" not in page and "@import" not in page
    assert not re.search(r'\b(src|href)\s*=\s*"(?!#)', page)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}  # only the SVG namespace name
    assert page.count("<script") == 2 and "<math" in page and "<svg" in page


def test_walkthrough_lines_in_order_naming_what_they_use(mazur):
    e, page = mazur
    lines = _data(page)["steps"][0]["lines"]
    phases = [line["phase"] for line in lines]
    assert phases == sorted(phases, key=["forward", "error", "backward", "update"].index)
    assert lines[0]["text"] == "net_h1"
    assert set(lines[0]["uses"]) == {"h1", "w1", "w2", "i1", "i2", "b1"}
    w5 = next(line for line in lines if line["text"] == "dE/dw5")
    assert set(w5["uses"]) == {"w5", "o1", "h1"}
    hidden = next(line for line in lines if line["text"] == "dE/dout_h1")
    assert {"w5", "w7", "o1", "o2"} <= set(hidden["uses"])
    assert page.count('class="line"') == len(lines)
    # the forward line of net_h1 with its numbers, as MathML
    assert "<mn>0.15</mn><mo>·</mo><mn>0.05</mn>" in page and "<mn>0.3775</mn>" in page


def test_every_weight_has_its_chain_check_and_curve(mazur):
    e, page = mazur
    step = e["steps"][0]
    for w in step["backward"]["weights"] + step["backward"]["biases"]:
        panel = re.search(
            rf'<section class="panel" id="p-0-{re.escape(w["name"])}".*?</section>', page, re.S
        )
        assert panel, w["name"]
        text = panel.group(0)
        assert f"{w['gradient']:.9g}" in text and f"{w['numeric']:.9g}" in text
        curve = re.search(r'<svg[^>]*class="curve" data-gradient="([^"]+)"', text)
        assert float(curve.group(1)) == pytest.approx(w["gradient"], rel=1e-12)
        t = re.search(
            r'class="tangent"[^>]*data-x1="([^"]+)" data-y1="([^"]+)" '
            r'data-x2="([^"]+)" data-y2="([^"]+)"',
            text,
        )
        x1, y1, x2, y2 = map(float, t.groups())
        assert (y2 - y1) / (x2 - x1) == pytest.approx(w["gradient"], rel=1e-9, abs=1e-15)


def test_errata_are_highlighted_with_the_engines_value(mazur):
    _, page = mazur
    row = re.search(r'<tr class="erratum"><td>E_total after 1 update</td>.*?</tr>', page)
    assert row and "0.291027924" in row.group(0) and "0.291027774" in row.group(0)
    assert 'class="note erratum"' in page  # on the walk-through's last line too
    assert "<tr><td>net_h1</td>" in page  # agreeing figures are not highlighted


def test_several_steps_and_a_user_spec(tmp_path):
    page = dp.explain(EXAMPLES / "xor-2-2-1.json", steps=2).render("html")
    data = _data(page)
    assert len(data["steps"]) == 2 and 'id="step-select"' in page
    assert 'id="p-1-' in page
    assert 'class="curve"' in page
    out = tmp_path / "x.html"
    assert main(["explain", "--example", "one-weight", "--format", "html", "-o", str(out)]) == 0
    assert "<svg" in out.read_text()
