"""The HTML report: self-contained, escaped, complete for what the context holds, reproducible."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

from ridgeback import L1, Adam, CrossEntropy, EarlyStopping, Trainer, mlp
from ridgeback.report.context import (
    Candidate,
    ContextError,
    HistorySummary,
    ModelSummary,
    PathSummary,
    RunContext,
    SearchSummary,
    WeightHistogram,
)
from ridgeback.report.document import check_context, model_context, render_html, render_report, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA = Path(__file__).parent / "fixtures"


def _digits_run() -> dict:
    """A real small run: an L1-penalized MLP on digits, plus a tune grid and a path shaped like CV output."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    train, val = order[:300], order[1000:1400]
    net = mlp([64, 48, 10], seed=0)
    trainer = Trainer(net, CrossEntropy(), Adam(1e-2), regularizer=L1(2e-3), epochs=30, batch_size=32,
                      early_stopping=EarlyStopping(patience=30), seed=0)
    history = trainer.fit(X[train], y[train], validation_data=(X[val], y[val]))
    results = []
    for l2 in (1e-5, 1e-3, 1e-1):
        for dropout in (0.0, 0.2, 0.5):
            score = 0.95 - 0.02 * abs(np.log10(l2) + 3) - 0.1 * (dropout - 0.2) ** 2
            results.append({"params": {"l2": l2, "dropout": dropout}, "mean_score": score,
                            "std_score": 0.01 + 0.01 * dropout, "fit_time": 0.5})
    values = np.geomspace(1e-1, 1e-5, 12)
    mean = 0.95 - 0.15 * (np.log10(values) + 3.5) ** 2 / 6.25
    std = np.full(12, 0.02)
    context = {
        "title": "digits <script>alert(1)</script> & friends",
        "metric": "accuracy",
        "dataset": {"name": "builtin:digits", "n_rows": 1797, "n_features": 64, "task": "classification",
                    "target": "digit"},
        "settings": {"hidden": [48], "l1": 2e-3, "optimizer": {"name": "adam", "lr": 1e-2}, "seed": 0},
        "history": history.to_dict(),
        "tune": {"results": results, "best_params": {"l2": 1e-3, "dropout": 0.2},
                 "one_se_params": {"l2": 1e-1, "dropout": 0.2}, "metric": "accuracy", "n_folds": 5},
        "path": {"param": "l1", "values": values, "mean_score": mean, "std_score": std, "n_folds": 5,
                 "train_score": np.minimum(1.0, mean + np.linspace(0.0, 0.08, 12)),
                 "n_nonzero": np.geomspace(40, 3000, 12).astype(int),
                 "n_active_features": np.linspace(5, 60, 12).astype(int),
                 "lambda_min": float(values[np.argmax(mean)]), "lambda_1se": float(values[4])},
        "comparison": [{"name": "none", "cv_score": 0.95, "test_score": 0.94, "zero_fraction": 0.0,
                        "weight_norms": [12.0, 8.0], "active_features": 61},
                       {"name": "L1", "cv_score": 0.93, "test_score": 0.93, "zero_fraction": 0.71,
                        "weight_norms": [6.0, 5.5], "active_features": 30}],
        "notes": ["column <age> had 3 missing values, imputed with the median"],
        "model": "final model <l1=0.002>",
    }
    context.update(model_context(net, image_shape=(8, 8)))
    return context


class _Page(HTMLParser):
    """Images, section ids, links, tags, text, and every table as rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.images, self.sections, self.links, self.tags, self.text = [], [], [], [], []
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(attrs)
        if tag == "section":
            self.sections.append(attrs["id"])
        if tag == "table":
            self.tables.append([])
        if tag == "tr":
            self.tables[-1].append([])
        if tag in ("td", "th"):
            self._cell = []
        for key in ("href", "src"):
            if key in attrs:
                self.links.append(attrs[key])

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def table_after(self, header_cell: str) -> list:
        return next(t for t in self.tables if t and header_cell in t[0])


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    context = _digits_run()
    rundir = tmp_path_factory.mktemp("run")
    path = write_report(rundir, context)
    return rundir, path, context


def test_every_image_is_an_inline_png(rendered):
    page = _parse(rendered[1].read_text(encoding="utf-8"))
    assert len(page.images) >= 6
    for img in page.images:
        prefix = "data:image/png;base64,"
        assert img["src"].startswith(prefix)
        png = base64.b64decode(img["src"][len(prefix):], validate=True)
        assert png[:8] == PNG_MAGIC
        assert len(png) > 5000
        assert img.get("alt")


def test_no_external_references(rendered):
    text = rendered[1].read_text(encoding="utf-8")
    page = _parse(text)
    assert all(link.startswith(("#", "data:image/png;base64,")) for link in page.links)
    assert not re.search(r"https?://|<script|<link|@import|url\(", text, flags=re.IGNORECASE)


def test_a_section_for_every_present_key(rendered):
    page = _parse(rendered[1].read_text(encoding="utf-8"))
    assert page.sections == ["notes", "settings", "history", "path", "tune", "dropout", "comparison",
                             "weights", "selected_features"]


def test_text_from_data_is_escaped(rendered):
    text = rendered[1].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in text
    assert "column &lt;age&gt; had 3 missing values" in text
    assert text.count("Model shown: final model &lt;l1=0.002&gt;.") == 2
    assert "script" not in _parse(text).tags


def test_tables_show_the_values(rendered):
    _, path, context = rendered
    page = _parse(path.read_text(encoding="utf-8"))
    tune = page.table_after("rank")
    assert tune[0] == ["rank", "l2", "dropout", "CV accuracy", "std", "fit time"]
    assert tune[1][:4] == ["1 best", "0.001", "0.2", "0.95"]  # sorted by score, best marked
    assert [row[0] for row in tune[1:]].count("5 1-SE") == 1
    assert [row[1:3] for row in tune[1:] if "1-SE" in row[0]] == [["0.1", "0.2"]]
    scores = [float(row[3]) for row in tune[1:]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 9
    lam = page.table_after("l1")
    marked = {row[0].split()[1]: float(row[0].split()[0]) for row in lam[1:] if len(row[0].split()) == 2}
    assert marked == pytest.approx({"λ_min": context["path"]["lambda_min"],
                                    "λ_1se": context["path"]["lambda_1se"]}, rel=1e-3)
    settings = dict(map(tuple, page.table_after("setting")[1:]))
    assert settings["optimizer.lr"] == "0.01" and settings["hidden"] == "[48]"
    text = " ".join(page.text)
    kept = len(context["selected_features"]["indices"])
    assert f"{kept} of 64 input features" in text
    layers = page.table_after("zero fraction")
    assert layers[1][2] == f"{100 * context['layers'][0]['zero_fraction']:.1f}%"


def test_the_l1_run_produces_exact_zeros_the_report_counts(rendered):
    context = rendered[2]
    assert context["layers"][0]["zero_fraction"] > 0.2
    h = next(iter(context["weights"].values()))
    assert h["n"] == 64 * 48
    assert h["n_zero"] == context["layers"][0]["n_zero"]
    assert sum(h["counts"]) == h["n"] - h["n_zero"]


def test_render_report_rerenders_identically_from_run_json(rendered):
    rundir, path, _ = rendered
    first = path.read_bytes()
    stored = json.loads((rundir / "run.json").read_text(encoding="utf-8"))
    assert stored["dataset"]["n_rows"] == 1797
    path.unlink()
    assert render_report(rundir) == path
    assert path.read_bytes() == first


def test_missing_or_invalid_run_json_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match=r"must contain run\.json.*Received: rundir="):
        render_report(tmp_path)
    (tmp_path / "run.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"valid UTF-8 JSON"):
        render_report(tmp_path)
    (tmp_path / "run.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match=r"JSON object"):
        render_report(tmp_path)
    (tmp_path / "run.json").write_text('{"path": {"values": [1.0, 0.1], "mean_score": [0.5], '
                                       '"std_score": [0.1, 0.1]}}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"context\['path'\]\['mean_score'\]` must have 2 entries"):
        render_report(tmp_path)
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize(("context", "where"), [
    ({"history": {"train_loss": [1.0, "x"]}}, r"context\['history'\]\['train_loss'\]"),
    ({"history": {"train_loss": [1.0, 0.5], "best_epoch": 5}}, r"best_epoch"),
    ({"tune": {"results": [{"mean_score": 0.5}]}}, r"context\['tune'\]\['results'\]\[0\]\['params'\]"),
    ({"selected_features": {"indices": [70], "n_inputs": 64}}, r"\['indices'\]"),
    ({"selected_features": {"indices": [1], "n_inputs": 64, "image_shape": [8, 7]}}, r"image_shape"),
    ({"weights": {"w": {"counts": [1, 2], "edges": [0.0, 1.0], "n_zero": 0, "n": 3}}}, r"\['edges'\]"),
    ({"notes": "imputed"}, r"context\['notes'\]"),
])
def test_malformed_sections_name_the_key(context, where):
    with pytest.raises(ValueError, match=where + r".*Received: "):
        check_context(context)


def test_write_report_converts_numpy_and_nan(tmp_path):
    context = {"history": {"train_loss": np.array([1.0, np.nan, 0.5], dtype=np.float32),
                           "best_epoch": np.int64(2)}, "settings": {"hidden": (32, 16)}}
    write_report(tmp_path, context)
    stored = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert stored["history"] == {"train_loss": [1.0, None, 0.5], "best_epoch": 2}
    assert stored["settings"]["hidden"] == [32, 16]
    with pytest.raises(ValueError, match=r"context\['settings'\]\['when'\].*Received"):
        write_report(tmp_path, {"settings": {"when": object()}})


def test_an_empty_context_says_what_is_absent():
    page = render_html({})
    parsed = _parse(page)
    assert parsed.images == [] and parsed.sections == []
    assert "Not in this run: notes, settings, learning curves, regularization path" in page


def test_feature_names_without_an_image_are_listed():
    rng = np.random.default_rng(1)
    net = mlp([5, 4, 2], seed=0)
    net.dense_layers[0].weight.data[[1, 3]] = 0.0
    names = ["age", "income", "<b>bold</b>", "zip", "score"]
    context = model_context(net, feature_names=names)
    context["weights"]["raw"] = rng.standard_normal(50).tolist() + [0.0] * 10
    check_context(context)
    page = render_html(context)
    parsed = _parse(page)
    assert "3 of 5 input features" in page
    assert re.findall(r"<li>(.*?)</li>", page) == ["age", "&lt;b&gt;bold&lt;/b&gt;", "score"]
    assert "b" not in parsed.tags
    assert len(parsed.images) == 2  # weight histograms and the ranked feature bars
    layers = parsed.table_after("zero fraction")
    assert [row[2] for row in layers[1:]] == ["40.0%", "0.0%"]  # 2 of 5 input rows zeroed


def test_a_model_with_feature_groups_lists_raw_columns_with_their_inputs_norm():
    import pandas as pd

    from ridgeback import MLPRegressor, TabularModel

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"size": rng.normal(size=40), "city": rng.choice(["a", "b", "c"], 40)})
    model = TabularModel(MLPRegressor((4,), max_epochs=2, batch_size=20, random_state=0)).fit(df, df["size"])
    first = model.estimator.network_.dense_layers[0].weight.data
    first[[1, 2, 3]] = [[3.0, 0, 0, 0], [0, 0, 4.0, 0], [0, 0, 0, 0]]  # city: norm 5 over its three inputs
    first[0] = 0.0  # size removed
    context = model_context(model.estimator, list(model.feature_names_out_))
    section = context["selected_features"]
    assert section["all_names"] == ["size", "city"] and section["n_inputs"] == 2
    assert section["indices"] == [1] and section["names"] == ["city"]
    assert section["importance"] == pytest.approx([0.0, 5.0])
    page = render_html(context)
    assert "1 of 2 input features" in page and re.findall(r"<li>(.*?)</li>", page) == ["city"]
    # drawn as an image, the inputs stay one pixel each
    image = model_context(model.estimator, list(model.feature_names_out_), image_shape=(2, 2))
    assert image["selected_features"]["n_inputs"] == 4 and image["selected_features"]["indices"] == [1, 2]


def test_selection_results_render_as_they_come():
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    from ridgeback import MLPClassifier, regularization_path, tune

    X, y = load_breast_cancer(return_X_y=True)
    X, y = StandardScaler().fit_transform(X)[:240], y[:240]
    est = MLPClassifier(hidden_layer_sizes=(8,), max_epochs=6, batch_size=64, learning_rate=1e-2,
                        random_state=0, early_stopping=False)
    search = tune(est, X, y, {"l2": [1e-4, 1e-1], "dropout": [0.0, 0.5]}, cv=3, random_state=0, refit="1se")
    path = regularization_path(est, X, y, param="l1", n_values=4, cv=3, random_state=0, refit=False)
    context = {"dataset": {"task": "classification"}, "tune": search.to_dict(), "path": path.to_dict()}
    check_context(json.loads(json.dumps(context)))
    page = _parse(render_html(context))
    assert page.sections == ["path", "tune", "dropout"]
    header, *rows = page.table_after("rank")
    assert header[3:5] == ["CV accuracy", "std"] and set(header[1:3]) == {"l2", "dropout"}
    assert "fold scores" not in header and "mean train score" in header
    shown = [{"tags": row[0].split()[1:], **{k: float(row[header.index(k)]) for k in ("l2", "dropout")}}
             for row in rows]
    for tag, index in (("best", search.best_score_index_), ("1-SE", search.best_index_)):
        marked = [{k: r[k] for k in ("l2", "dropout")} for r in shown if tag in r["tags"]]
        assert marked == [pytest.approx(search.results_[index]["params"], rel=1e-3)]
    lam = page.table_after("CV accuracy")
    assert lam[0][0] == "l1" and len(lam) == 1 + len(path.values)
    assert any("λ_1se" in row[0] and float(row[0].split()[0]) == pytest.approx(path.lambda_1se, rel=1e-3)
               for row in lam[1:])


def test_figures_never_touch_pyplot():
    code = ("import sys; from ridgeback.report.document import render_html; "
            "page = render_html({'history': {'train_loss': [1.0, 0.5], 'val_loss': [1.1, 0.7]}}); "
            "assert 'data:image/png;base64,' in page; "
            "print(sorted(m for m in sys.modules if m == 'matplotlib.pyplot'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("extra", "band"), [({}, "±1 std over folds"), ({"n_folds": 4}, "±1 SE")])
def test_path_band_says_what_it_is(extra, band):
    path = {"param": "l2", "values": [1.0, 0.1, 0.0], "mean_score": [0.6, 0.8, 0.75],
            "std_score": [0.1, 0.1, 0.1], "lambda_min": 0.1, "lambda_1se": 1.0, **extra}
    page = render_html({"path": path})
    assert f"The band is {band}." in page
    assert "l2 = 0 (no penalty) cannot sit on a log axis" in page
    assert len(_parse(page).images) == 1


def test_further_models_get_their_own_named_weights_and_features():
    dense, sparse = mlp([4, 3, 2], seed=0), mlp([4, 3, 2], seed=1)
    sparse.dense_layers[0].weight.data[[0, 2]] = 0.0  # what L1 would remove: 2 of 4 inputs
    context = {**model_context(dense), "model": "final model <refit>",
               "models": [{**model_context(sparse), "model": "L1 model"}]}
    check_context(context)
    page = render_html(context)
    assert re.findall(r"<h3>(.*?)</h3>", page)[-4:] == ["final model &lt;refit&gt;", "L1 model"] * 2
    assert "All 4 input features keep" in page and "2 of 4 input features keep" in page
    assert len(_parse(page).images) == 2 * 2  # weight histograms and feature bars, per model
    zero_rows = [t[1:] for t in _parse(page).tables if t[0][:3] == ["layer", "shape", "zero fraction"]]
    assert [[r[2] for r in rows] for rows in zero_rows] == [["0.0%", "0.0%"], ["50.0%", "0.0%"]]
    with pytest.raises(ValueError, match=r"`context\['models'\]\[0\]\['selected_features'\]\['n_inputs'\]`"):
        check_context({"models": [{"model": "m", "selected_features": {"indices": [], "n_inputs": 0}}]})
    with pytest.raises(ValueError, match=r"context\['models'\]\[0\]\['model'\]"):
        check_context({"models": [{"layers": []}]})


# ------------------------------------------------------------------------------ the typed context
def _marked_rows(page: str) -> dict:
    """``{tag: [the rows' first parameter value as text]}`` for the tune table's "best" and "1-SE" tags."""
    _, *rows = _parse(page).table_after("rank")
    return {tag: [row[1] for row in rows if tag in row[0].split()[1:]] for tag in ("best", "1-SE")}


def test_a_run_json_written_before_the_typed_context_reads_back_exactly_and_renders(tmp_path):
    """run.json of `ridgeback tune` before RunContext (best_score_index, one_se_params): the same
    dict back, key order and nulls included, and a page that marks the best and the 1-SE rows."""
    text = (DATA / "tune_run_before_typed_context.json").read_text(encoding="utf-8")
    old = json.loads(text)
    context = RunContext.from_dict(old)
    assert json.dumps(context.to_dict(), indent=1) == text.rstrip("\n")
    assert context.tune.answer("best") == (0, {"l2": 1e-4})
    assert context.tune.answer("one_se") == (None, {"l2": 0.01})
    assert context.tune.scoring is None and "scoring" in context.tune.to_dict()
    assert context.history.extra == {"interrupted": False} and context.model.selected_features.n_inputs == 4
    (tmp_path / "run.json").write_text(text, encoding="utf-8")
    page = render_report(tmp_path).read_text(encoding="utf-8")
    assert _marked_rows(page) == {"best": ["0.0001"], "1-SE": ["0.01"]}
    assert "Chosen settings" in page and "Not in this run: regularization path" in page


def _search(**answers) -> SearchSummary:
    results = [Candidate(params={"l2": l2}, mean_score=score, std_score=0.02, extra={"rank": rank})
               for l2, score, rank in ((1e-4, 0.91, 2), (1e-3, 0.92, 1), (1e-2, 0.905, 3))]
    return SearchSummary(results=results, n_folds=3, metric="accuracy", **answers)


def test_the_report_marks_the_candidates_the_search_names():
    search = _search(best_index=1, one_se_index=2, refit_index=2, refit="1se")
    page = render_html(RunContext(tune=search))
    assert _marked_rows(page) == {"best": ["0.001"], "1-SE": ["0.01"]}
    chosen = dict(map(tuple, _parse(page).table_after("best CV score")))
    assert chosen == {"best CV score": "l2=0.001",
                      "1-SE choice (simplest within one standard error)": "l2=0.01",
                      "final model refitted on all rows with": "the 1-SE choice"}
    # the same candidate can be both; without a refit the page says nothing was refitted
    page = render_html(RunContext(tune=_search(best_index=1, one_se_index=1, refit_index=1, refit="none")))
    assert _marked_rows(page) == {"best": ["0.001"], "1-SE": ["0.001"]}
    assert "refitted on all rows" not in page


def test_epoch_and_count_axes_tick_whole_numbers(monkeypatch):
    from ridgeback.report import plots

    figures = []
    monkeypatch.setattr(plots, "_png", lambda fig: figures.append(fig) or b"")
    plots.learning_curves(HistorySummary(train_loss=[1.2, 0.8], val_loss=[0.5, 0.3], best_epoch=1))
    plots.weights_figure({"layer 0": WeightHistogram.of(np.array([0.1, -0.4, 0.3, 0.0]))}, {})
    (epochs,), (counts, *_) = (fig.axes for fig in figures)
    for axis in (epochs.xaxis, counts.yaxis):
        low, high = sorted(axis.get_view_interval())
        ticks = axis.get_majorticklocs()
        shown = ticks[(ticks >= low) & (ticks <= high)]
        assert len(shown) >= 2 and np.all(shown == np.round(shown)), shown


def test_the_halving_caption_counts_the_candidates_at_each_rung():
    rungs = (([3, 9], [0.80, 0.90]), ([3, 9], [0.82, 0.86]), ([3], [0.70]), ([3], [0.60]), ([3], [0.65]))
    results = [Candidate(params={"l2": 10.0 ** -i}, mean_score=scores[-1], std_score=0.01,
                         extra={"rung_epochs": epochs, "rung_scores": scores})
               for i, (epochs, scores) in enumerate(rungs)]
    page = _parse(render_html(RunContext(tune=SearchSummary(results=results, best_index=0, n_folds=3))))
    caption = " ".join(" ".join(page.text).split())
    assert "(5 candidates at 3 epochs, 2 at 9); only the best of a rung went on" in caption
    assert "Red: the best CV score." in caption
    assert "best third" not in caption
    page = _parse(render_html(RunContext(tune=SearchSummary(results=results[:3], n_folds=3))))
    caption = " ".join(" ".join(page.text).split())
    assert "(3 candidates at 3 epochs, 2 at 9)" in caption and "Red: the best CV score" not in caption


def test_a_search_written_before_one_se_index_gets_todays_answers():
    rows = [{"params": {"l2": v}, "mean_score": m, "std_score": 0.02}
            for v, m in ((1e-4, 0.91), (1e-2, 0.905))]
    # the old TuneResult.to_dict() under refit="1se": best_index and best_params named the 1-SE choice
    old = {"results": rows, "best_params": {"l2": 1e-2}, "best_index": 1, "best_score_index": 0,
           "refit": "1se"}
    search = SearchSummary.from_dict(old)
    assert (search.best_index, search.one_se_index, search.refit_index) == (0, 1, 1)
    assert search.best_params == {"l2": 1e-4} and search.extra == {"best_score_index": 0}
    assert search.answer("best") == (0, {"l2": 1e-4}) and search.answer("one_se") == (1, {"l2": 1e-2})
    new = {"results": rows, "best_index": 0, "best_score_index": 0, "one_se_index": 1, "refit_index": 1,
           "refit": "1se", "best_params": {"l2": 1e-4}}
    assert SearchSummary.from_dict(new).to_dict() == new  # today's vocabulary is read as it is


def test_parts_check_their_fields_when_built_and_name_them():
    with pytest.raises(ContextError, match=r"^`train_loss` must be a list of numbers .*"
                                           r"Received: train_loss='low'$"):
        HistorySummary(train_loss="low")
    with pytest.raises(ValueError, match=r"^`best_index` must be a row index in \[0, 3\) or null\. "
                                         r"Received: best_index=3$"):
        _search(best_index=3)
    with pytest.raises(ValueError, match=r"`context\['tune'\]\['refit'\]` must be 'best', '1se', 'none'"):
        RunContext.from_dict({"tune": {"results": [], "refit": "always"}})
    with pytest.raises(ValueError, match=r"^`models\[0\]` must be a ModelSummary\. Received: models\[0\]="):
        RunContext(models=[{"model": "a dict, not a part"}])


def test_parts_built_directly_hold_plain_json_values():
    path = PathSummary(values=np.geomspace(1.0, 1e-2, 3), mean_score=np.array([0.5, np.nan, 0.7]),
                       std_score=(0.1, 0.1, 0.1), n_folds=np.int64(3), lambda_min=np.float32(0.1))
    assert path.values == [1.0, 0.1, 0.01] and path.mean_score == [0.5, None, 0.7]
    assert path.std_score == [0.1, 0.1, 0.1] and type(path.n_folds) is int and type(path.lambda_min) is float
    histogram = WeightHistogram.of(np.array([[0.0, 1.0], [0.0, -1.0]], dtype=np.float32), bins=2)
    assert histogram.to_dict() == {"counts": [1, 1], "edges": [-1.0, 0.0, 1.0], "n_zero": 2, "n": 4}


def test_a_context_round_trips_through_run_json(tmp_path):
    net = mlp([4, 3, 2], seed=0)
    context = RunContext(title="round trip", history=HistorySummary(train_loss=[0.9, 0.5], best_epoch=1),
                         tune=_search(best_index=1, one_se_index=2), notes=["a note"],
                         model=ModelSummary.from_dict({**model_context(net), "model": "final"}),
                         extra={"custom": {"kept": True}})
    write_report(tmp_path, context)
    stored = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert stored["model"] == "final" and stored["custom"] == {"kept": True} and "created" in stored
    assert list(stored)[:3] == ["title", "history", "layers"]  # the order `ridgeback tune` writes
    again = RunContext.from_dict(stored)
    assert again.to_dict() == stored
    assert again.tune == context.tune and again.history == context.history and again.extra == context.extra
    assert "Kept in run.json but not drawn: custom." in (tmp_path / "report.html").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match=r"`context` must be a RunContext or a dict\. "
                                         r"Received: context of type list"):
        write_report(tmp_path, [context])
