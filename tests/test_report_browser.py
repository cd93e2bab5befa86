"""The report as a browser shows it: real ``report.html`` files opened in headless Chromium.

Three things are checked on reports that ``ridgeback tune`` writes (a successive-halving search on
a classification table, a grid search on a regression table): every figure is drawn with a
non-zero size, no request leaves the page, and the console has no errors. Each check is also run
on a page made to fail it, so that it is known to catch what it looks for.

Skipped, saying why, where no Chromium is installed (``apt-get install chromium``; ``.ci/run``
installs it where it can).
"""

from __future__ import annotations

import base64
import re
import struct
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest

from headless_chromium import Chromium, find_browser
from ridgeback.cli.app import main

BROWSER = find_browser()
if BROWSER is None:
    pytest.skip("headless Chromium not found: apt-get install chromium", allow_module_level=True)

HALVING_ALT = "score against epochs reached at each halving rung"
PNG_URI = "data:image/png;base64,"
# a PNG of one pixel
TINY_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


# -------------------------------------------------------------------------------- the checks
def undrawn(visit) -> list:
    """The images that are not drawn: not decoded, no pixels, no box, outside a figure or wider
    than the page; each as ``(alt, what is wrong)``."""
    wrong = []
    for img in visit.images:
        for fault, bad in (("cannot be decoded: " + img["reason"], not img["decoded"]),
                           ("has no pixels", img["naturalWidth"] <= 0 or img["naturalHeight"] <= 0),
                           ("has no size on the page", img["width"] <= 0 or img["height"] <= 0),
                           ("is wider than the page", img["width"] > visit.page_width),
                           ("is not in a <figure>", not img["inFigure"])):
            if bad:
                wrong.append((img["alt"], fault))
    return wrong


def leaving(visit) -> list:
    """The requests that leave the page: any URL neither ``data:`` nor the page's own file."""
    return [url for url in visit.requests
            if not (urlsplit(url).scheme == "data" or url == visit.url)]


def png_size(src: str) -> tuple[int, int]:
    """Width and height written in a PNG data URI's header."""
    png = base64.b64decode(src.removeprefix(PNG_URI))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


# ------------------------------------------------------------------------------ the reports
@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Two reports written by ``ridgeback tune``: halving on a classification table, and a grid
    search on a regression table. Small and quick: 90 rows, 2 folds, a hidden layer of 8, few epochs."""
    root = tmp_path_factory.mktemp("browser")
    rng = np.random.default_rng(0)
    n = 90
    x1, x2 = rng.standard_normal(n), rng.standard_normal(n)
    city = rng.choice(["paris", "lyon", "nice"], n).astype(object)
    table = pd.DataFrame({"x1": x1, "x2": x2, "city": city})
    label = np.where(x1 + (city == "paris") > 0.3, "yes", "no")
    table.assign(label=label).to_csv(root / "c.csv", index=False)
    table.assign(y=2 * x1 - x2 + 0.1 * rng.standard_normal(n)).to_csv(root / "r.csv", index=False)
    common = ["--cv", "2", "--hidden", "8", "--lr", "0.01", "--quiet"]
    runs = {
        "halving": ["tune", str(root / "c.csv"), "--target", "label", *common, "--epochs", "9",
                    "--search", "halving", "--grid", "l2=1e-4,1e-1;dropout=0,0.5"],
        "regression": ["tune", str(root / "r.csv"), "--target", "y", *common, "--epochs", "2",
                       "--grid", "l2=1e-4,1e-1"],
    }
    paths = {}
    for name, argv in runs.items():
        assert main([*argv, "--out", str(root / name)]) == 0
        paths[name] = root / name / "report.html"
    return paths


@pytest.fixture(scope="module")
def browser():
    with Chromium(BROWSER) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def seen(reports, browser):
    return {name: browser.visit(path) for name, path in reports.items()}


@pytest.fixture
def bad_page(tmp_path):
    """Write a page into the test's directory and return its path."""
    def write(body: str):
        path = tmp_path / "bad.html"
        path.write_text(f"<!doctype html><html><head><title>bad</title></head><body>{body}</body></html>",
                        encoding="utf-8")
        return path
    return write


# ------------------------------------------------------------------------- the real reports
@pytest.mark.parametrize("name", ["halving", "regression"])
def test_every_figure_is_drawn_with_a_nonzero_size(name, reports, seen):
    visit = seen[name]
    in_file = reports[name].read_text(encoding="utf-8").count("<figure>")
    assert in_file >= 4
    assert visit.figures == len(visit.images) == in_file
    assert undrawn(visit) == []
    for img in visit.images:  # the browser drew the PNG the report holds, at its own size
        assert (img["naturalWidth"], img["naturalHeight"]) == png_size(img["src"])
        assert img["naturalWidth"] >= 300 and img["naturalHeight"] >= 200
        assert img["width"] >= 300 and img["height"] >= 200


def test_the_halving_rungs_are_a_figure(seen):
    figures = {img["alt"]: img for img in seen["halving"].images}
    assert {HALVING_ALT, "training and validation loss per epoch", "confusion matrix and reliability diagram",
            "ROC and precision-recall curves"} <= set(figures)
    assert "(4 candidates at 3 epochs, 1 at 9)" in figures[HALVING_ALT]["caption"]  # 2x2 grid, factor 3
    assert "predicted against true values, and residuals" in {img["alt"] for img in seen["regression"].images}
    assert HALVING_ALT not in {img["alt"] for img in seen["regression"].images}  # a grid search has no rungs


@pytest.mark.parametrize("name", ["halving", "regression"])
def test_no_request_leaves_the_page(name, reports, seen):
    visit = seen[name]
    assert visit.requests[0] == reports[name].resolve().as_uri()  # the recorder sees the page itself
    assert leaving(visit) == []


@pytest.mark.parametrize("name", ["halving", "regression"])
def test_the_console_has_no_errors(name, seen):
    assert seen[name].errors == []


# ------------------------------------------------------------- the checks catch what they look for
def test_an_image_the_browser_cannot_draw_is_caught(browser, bad_page):
    tiny = f"{PNG_URI}{TINY_PNG}"
    visit = browser.visit(bad_page(f'<figure><img src="{tiny}" alt="fine"></figure>'
                                   f'<figure><img src="{PNG_URI}AAAA" alt="not a png"></figure>'
                                   f'<figure><img src="{tiny}" alt="hidden" style="display:none"></figure>'
                                   f'<figure><img src="{tiny}" alt="wide" style="width:3000px"></figure>'
                                   f'<img src="{tiny}" alt="loose">'))
    assert visit.figures == 4 and len(visit.images) == 5
    faults = undrawn(visit)
    assert [(alt, fault.split(":")[0]) for alt, fault in faults] == [
        ("not a png", "cannot be decoded"), ("not a png", "has no pixels"),
        ("hidden", "has no size on the page"), ("wide", "is wider than the page"),
        ("loose", "is not in a <figure>")]
    assert "EncodingError" in faults[0][1]


def test_a_request_to_another_host_is_caught(browser, bad_page):
    visit = browser.visit(bad_page('<figure><img src="http://example.invalid/x.png" alt="remote"></figure>'
                                   f'<figure><img src="{PNG_URI}{TINY_PNG}" alt="inline"></figure>'))
    assert leaving(visit) == ["http://example.invalid/x.png"]
    assert visit.requests[0] == visit.url


def test_a_script_error_is_caught(browser, bad_page):
    visit = browser.visit(bad_page('<script>console.error("said so"); throw new Error("boom");</script>'))
    assert len(visit.errors) == 2
    assert visit.errors[0] == "console.error: said so"
    assert re.match(r"Error: boom\b", visit.errors[1])
