"""The linear baseline as the answer: held as a network without hidden layer, chosen by the
no-hints search when no network beats it on the same folds."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from quick_tune import tune_plan
from ridgeback import MLPClassifier, MLPRegressor, load, save
from ridgeback.estimators.regressor import clip_bounds
from ridgeback.selection.baseline import as_network_estimator, fit_linear


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    return X, rng


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_regression_as_a_network_predicts_the_same(data, n_classes, tmp_path):
    X, rng = data
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.standard_normal(len(X)),
                    np.quantile(X[:, 0], np.linspace(0, 1, n_classes + 1)[1:-1]))
    y = np.array(["a", "b", "c"])[y]
    linear = fit_linear({"model": "LogisticRegression", "value": 0.5}, X, y)
    est = as_network_estimator(linear, MLPClassifier(dtype="float64"), len(X))
    assert est.hidden_layer_sizes == () and est.network_.n_outputs == n_classes
    np.testing.assert_allclose(est.predict_proba(X), linear.predict_proba(X), atol=1e-12)
    assert list(est.classes_) == list(linear.classes_)
    back = load(save(est, tmp_path / "m"))
    np.testing.assert_array_equal(back.predict(X), linear.predict(X))


def test_ridge_as_a_network_predicts_the_same(data):
    X, rng = data
    y = 3.0 + X @ [1.0, -2.0, 0.5, 0.0] + 0.1 * rng.standard_normal(len(X))
    linear = fit_linear({"model": "Ridge", "value": 10.0}, X, y)
    est = as_network_estimator(linear, MLPRegressor(dtype="float64"), len(X))
    np.testing.assert_allclose(est.predict(X), linear.predict(X), atol=1e-12)
    assert est.scale_target is False


def test_the_l2_strength_makes_ridgebacks_objective_the_linear_models(data):
    """At the linear model's solution, the gradient of ridgeback's loss + λ‖w‖² with the λ
    ``as_network_estimator`` records is zero (so the recorded ``l2`` describes the model)."""
    X, rng = data
    n = len(X)
    y = X @ [1.0, -2.0, 0.5, 0.0] + 0.5 * rng.standard_normal(n)
    ridge = Ridge(alpha=7.0).fit(X, y)
    lam = as_network_estimator(ridge, MLPRegressor(), n).l2
    residual = X @ ridge.coef_ + ridge.intercept_ - y
    np.testing.assert_allclose(2 / n * X.T @ residual + 2 * lam * ridge.coef_, 0, atol=1e-12)
    labels = (y > 0).astype(int)
    logistic = LogisticRegression(C=0.3, tol=1e-12, max_iter=10_000).fit(X, labels)
    lam = as_network_estimator(logistic, MLPClassifier(), n).l2
    p = 1 / (1 + np.exp(-(X @ logistic.coef_[0] + logistic.intercept_[0])))
    np.testing.assert_allclose(X.T @ (p - labels) / n + 2 * lam * logistic.coef_[0], 0, atol=1e-7)


def test_no_hints_tune_saves_the_linear_model_when_no_network_beats_it(tmp_path, capsys):
    from ridgeback.cli.app import main

    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.standard_normal((80, 6)), columns=list("abcdef"))
    df["y"] = df.a - 2 * df.b + df.c + 0.3 * rng.standard_normal(80)
    df.to_csv(tmp_path / "t.csv", index=False)
    # two barely trained candidates: the linear baseline wins the cross-validation
    code = main(["tune", str(tmp_path / "t.csv"), "--target", "y", "--cv", "3", "--n-iter", "2",
                 "--epochs", "1", "--json", "--out", str(tmp_path / "run")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    tune = out["tune"]
    assert tune["chosen"] == "linear"
    assert tune["baseline"]["mean_score"] > max(r["mean_score"] for r in tune["results"])
    assert out["refit_params"]["hidden_layer_sizes"] == []
    model = load(tmp_path / "run")
    assert model.estimator.hidden_layer_sizes == ()
    X = df.drop(columns="y")
    ridge = Ridge(alpha=tune["baseline"]["value"]).fit(model.preprocessor.transform(X), df["y"])
    np.testing.assert_allclose(model.predict(X), ridge.predict(model.preprocessor.transform(X)), atol=1e-4)
    report = (tmp_path / "run" / "report.html").read_text()
    assert "no network candidate beat the linear baseline" in report
    assert "the saved model is the linear baseline, whose held-out predictions were not kept" in report


def test_a_search_with_a_grid_keeps_the_network(tmp_path, capsys):
    from ridgeback.cli.app import main

    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.standard_normal((60, 3)), columns=list("abc"))
    df["y"] = df.a + 0.3 * rng.standard_normal(60)
    df.to_csv(tmp_path / "t.csv", index=False)
    code = main(["tune", str(tmp_path / "t.csv"), "--target", "y", "--cv", "3", "--grid", "l2=0,1e-2",
                 "--epochs", "1", "--json", "--out", str(tmp_path / "run")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["tune"]["chosen"] == "network"
    assert load(tmp_path / "run").estimator.hidden_layer_sizes != ()


def test_the_report_says_the_linear_baseline_was_refitted():
    from ridgeback.report.context import SearchSummary
    from ridgeback.report.search_html import _search_choices

    results = [{"params": {"l2": 0.0}, "mean_score": 0.5, "std_score": 0.1}]
    rows = _search_choices(SearchSummary.from_dict({"results": results, "best_index": 0, "refit": "best",
                                                    "refit_index": 0, "chosen": "linear"}))
    assert rows[-1] == ["final model refitted on all rows with",
                        "the linear baseline: no network candidate beat it (see Notes)"]
    with pytest.raises(ValueError, match="chosen"):
        SearchSummary.from_dict({"results": results, "chosen": "forest"})


def test_an_ensembled_network_loses_to_the_linear_model_only_by_more_than_its_error():
    """Seeded refits average several networks, better on log-loss than the one the folds scored:
    the linear model is saved only when it wins by more than one standard error of its folds."""
    from ridgeback.selection.rules import baseline_choice

    # linear higher by 0.01; its error 0.10 / sqrt(4) = 0.05
    assert baseline_choice((0.50, 0.04), (0.51, 0.10), 4) == "linear"
    assert baseline_choice((0.50, 0.04), (0.51, 0.10), 4, ensembled=True) == "network"
    assert baseline_choice((0.50, 0.04), (0.56, 0.10), 4, ensembled=True) == "linear"  # 0.06 > 0.05
    assert baseline_choice((0.50, 0.04), (0.49, 0.10), 4, ensembled=True) == "network"
    assert baseline_choice((0.50, 0.04), (0.51, float("nan")), 4, ensembled=True) == "linear"  # no error


def test_baseline_choice_averages_only_within_one_standard_error_of_the_winner():
    from ridgeback.selection.rules import baseline_choice

    # K = 4 folds: the winner's standard error is std / 2
    assert baseline_choice((0.50, 0.04), (0.49, 0.10), 4) == "network"
    assert baseline_choice((0.50, 0.04), (0.49, 0.10), 4, average=True) == "average"  # 0.01 <= 0.02
    assert baseline_choice((0.50, 0.04), (0.47, 0.10), 4, average=True) == "network"  # 0.03 > 0.02
    # the linear model wins: its own standard error decides
    assert baseline_choice((0.47, 0.01), (0.50, 0.08), 4, average=True) == "average"  # 0.03 <= 0.04
    assert baseline_choice((0.47, 0.20), (0.50, 0.02), 4, average=True) == "linear"  # 0.03 > 0.01
    assert baseline_choice((0.47, 0.20), (0.50, 0.02), 4) == "linear"
    # a failed side never wins and is never averaged in
    assert baseline_choice((float("nan"), 0.0), (0.1, 0.0), 4, average=True) == "linear"
    assert baseline_choice((None, None), (0.1, 0.0), 4, average=True) == "linear"
    assert baseline_choice((0.1, 0.0), (None, None), 4, average=True) == "network"
    assert baseline_choice((0.1, None), (0.09, 0.1), 4, average=True) == "network"  # no spread known


def _near_linear_table(tmp_path, n=90):
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.standard_normal((n, 4)), columns=list("abcd"))
    df["y"] = 2 * df.a - df.b + 0.5 * rng.standard_normal(n)
    df.to_csv(tmp_path / "t.csv", index=False)
    return df


def test_no_hints_regression_saves_the_average_when_the_two_are_within_one_standard_error(
        tmp_path, capsys, monkeypatch):
    """The plumbing of ``chosen="average"`` (the rule itself is tested above): the saved model
    weighs the 5 seeded networks 1/10 each and the linear baseline, refitted on all rows, 1/2;
    it saves and loads as one ensemble, and the summary, run.json and report say so."""
    from ridgeback.cli.app import main
    from ridgeback.selection import rules

    seen = []

    def always_average(network, linear, n_folds, *, average=False, paired=None, ensembled=False):
        seen.append(average)
        return "average" if average else "network"

    monkeypatch.setattr(rules, "baseline_choice", always_average)
    df = _near_linear_table(tmp_path)
    # seed 1: both candidates have a hidden layer (a linear best candidate is never averaged)
    code = main(["tune", str(tmp_path / "t.csv"), "--target", "y", "--cv", "3", "--n-iter", "2",
                 "--epochs", "2", "--seed", "1", "--json", "--out", str(tmp_path / "run")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and seen == [True]
    assert out["tune"]["chosen"] == "average" and out["ensemble"] == "seeds"
    assert out["refit_params"]["hidden_layer_sizes"] == [64]
    model = load(tmp_path / "run")
    assert model.n_members == 6
    np.testing.assert_allclose(model.weights, [0.1] * 5 + [0.5])
    linear = model.members[-1]
    assert linear.estimator.hidden_layer_sizes == ()
    X = df.drop(columns="y")
    ridge = Ridge(alpha=out["tune"]["baseline"]["value"]).fit(linear.preprocessor.transform(X), df["y"])
    np.testing.assert_allclose(linear.predict(X), ridge.predict(linear.preprocessor.transform(X)), atol=1e-4)
    # the members' own outputs averaged, the average clipped by the target's bounds (clip_predictions)
    raw = [m.estimator._predict(m.transform(X), clip=False) for m in model.members]
    np.testing.assert_array_equal(model.target_range_, [[df["y"].min()], [df["y"].max()]])
    expected = np.clip(0.5 * np.mean(raw[:5], axis=0) + 0.5 * raw[5], *clip_bounds(model.target_range_)[:, 0])
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-5, atol=1e-5)
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["tune"]["chosen"] == "average"
    report = (tmp_path / "run" / "report.html").read_text()
    assert "averaged half and half with the linear baseline" in report
    assert "the saved model averages it with the linear baseline" in report


def test_classification_and_a_single_refit_never_average(tmp_path, capsys, monkeypatch):
    """The average is asked for only on a regression saving seeds: a classifier, or
    ``--ensemble none``, keeps the network-or-linear choice (a classifier's seeds with the
    linear model needing a clear win)."""
    from ridgeback.cli.app import main
    from ridgeback.selection import rules

    seen = []

    def record(network, linear, n_folds, *, average=False, paired=None, ensembled=False):
        seen.append((average, ensembled))
        return "network"

    monkeypatch.setattr(rules, "baseline_choice", record)
    df = _near_linear_table(tmp_path)
    df["label"] = np.where(df.y > 0, "up", "down")
    df.drop(columns="y").to_csv(tmp_path / "c.csv", index=False)
    for data, target, extra in [("c.csv", "label", []), ("t.csv", "y", ["--ensemble", "none"])]:
        code = main(["tune", str(tmp_path / data), "--target", target, "--cv", "3", "--n-iter", "2",
                     "--epochs", "1", "--json", "--out", str(tmp_path / f"run-{target}"), *extra])
        assert code == 0 and json.loads(capsys.readouterr().out)["tune"]["chosen"] == "network"
    # the classifier's seeds are an ensemble: the linear model must win clearly; one refit is not
    assert seen == [(False, True), (False, False)]


@pytest.mark.parametrize(("hidden", "embedding", "expected"), [
    ((64,), None, "average"), ((), None, "network"), ((), "periodic", "average"), ((), "ple", "average")])
def test_a_linear_best_candidate_is_never_averaged_with_the_linear_baseline(hidden, embedding, expected):
    """No hidden layer and no embedding: a linear model, nothing to average. With a numeric
    embedding a network without hidden layer is an additive model (a learned curve per number),
    averaged with the linear baseline as a network with hidden layers is."""
    from types import SimpleNamespace

    from ridgeback.cli.tune import _baseline_choice

    params = {"hidden_layer_sizes": hidden, "numeric_embedding": embedding}
    result = SimpleNamespace(baseline={"mean_score": 0.49, "std_score": 0.05}, best_index_=0, n_folds=5,
                             results_=[{"params": params, "mean_score": 0.5, "std_score": 0.05}])
    assert _baseline_choice(result, average=True) == expected
    assert _baseline_choice(result) == "network"


def test_a_class_too_rare_for_the_folds_saves_the_network_only_when_clearly_better():
    """30 positives in 1,000 rows, 5 folds: 6 per held-out fold, under MIN_FOLD_EVENTS. A network
    ahead by a hair on the mean is not saved; one ahead on every fold is."""
    from types import SimpleNamespace

    from ridgeback.cli.tune import _baseline_choice
    from ridgeback.selection.rules import MIN_FOLD_EVENTS, few_events

    y = np.array(["no"] * 970 + ["yes"] * 30)
    assert few_events(y, 5) and not few_events(y, 2) and MIN_FOLD_EVENTS == 10
    assert not few_events(np.array(["no"] * 950 + ["yes"] * 50), 5)  # 10 per fold: enough
    linear = [-0.031, -0.027, -0.035, -0.030, -0.032]

    def result(network):
        baseline = {"mean_score": float(np.mean(linear)), "std_score": float(np.std(linear)),
                    "fold_scores": linear}
        return SimpleNamespace(baseline=baseline, best_index_=0, n_folds=5,
                               results_=[{"params": {"hidden_layer_sizes": (64,)}, "fold_scores": network,
                                          "mean_score": float(np.mean(network)),
                                          "std_score": float(np.std(network))}])

    hair = [-0.029, -0.028, -0.036, -0.030, -0.031]  # mean 0.0002 ahead, folds either way
    steady = [v + 0.002 for v in linear]
    assert _baseline_choice(result(hair)) == "network"  # as before for classes that are not rare
    assert _baseline_choice(result(hair), rare=True) == "linear"
    assert _baseline_choice(result(steady), rare=True) == "network"


def test_clearly_better_needs_a_paired_gain_above_its_standard_error():
    from ridgeback.selection.rules import clearly_better

    # a steady gain of 0.01 on every fold counts; the same mean from one lucky fold does not
    assert clearly_better([0.81, 0.71, 0.91, 0.61], [0.80, 0.70, 0.90, 0.60])[0]
    better, gain, error = clearly_better([0.84, 0.70, 0.90, 0.60], [0.80, 0.70, 0.90, 0.60])
    assert not better and gain == pytest.approx(0.01) and error == pytest.approx(0.01)
    assert not clearly_better([0.5, 0.5], [0.5, 0.5])[0]  # a tie is no gain
    assert not clearly_better([0.9, float("nan")], [0.1, 0.1])[0]  # a failed fold decides nothing
    assert not clearly_better([0.9], [0.1])[0]  # one fold: no error to compare with


@pytest.mark.parametrize("effect, role", [(3.0, "categorical"), (0.0, "numeric")])
def test_tune_one_hots_group_codes_only_when_the_linear_model_clearly_gains(tmp_path, capsys, effect, role):
    """A county whose groups differ (by 3 standard deviations) is one-hot; a county that says
    nothing is read as a number. The report says which and why."""

    rng = np.random.default_rng(0)
    n = 240
    county = rng.choice(np.arange(100, 160, 2), size=n)  # 30 codes, 8 rows each
    levels = {c: rng.normal() * effect for c in np.unique(county)}
    x = rng.normal(size=n)
    y = x + np.array([levels[c] for c in county]) + rng.normal(scale=0.5, size=n)
    out = tmp_path / "run"
    plan = tune_plan(pd.DataFrame({"county": county, "x": x, "y": y}), out, capsys)
    assert plan["county"]["role"] == role
    decided = "one-hot" if role == "categorical" else "read as numbers"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f"county: codes of groups, {decided}." in report


@pytest.mark.parametrize("effect, role", [(2.0, "entity"), (0.0, "numeric")])
def test_tune_encodes_people_seen_in_several_rows_only_when_the_linear_model_clearly_gains(
        tmp_path, capsys, effect, role):
    """250 people of 4 rows each: when each has their own level of the target, the person column
    is encoded by its mean target, out of fold; when they do not, it is read as before. The
    report says which and why, and the saved model encodes new rows alike."""
    from ridgeback import load

    rng = np.random.default_rng(3)
    person = rng.permutation(np.repeat(np.arange(5000, 5250), 4))
    levels = {p: rng.normal() * effect for p in np.unique(person)}
    x = rng.normal(size=person.size)
    y = x + np.array([levels[p] for p in person]) + rng.normal(scale=0.5, size=person.size)
    out = tmp_path / "run"
    plan = tune_plan(pd.DataFrame({"person": person, "x": x, "y": y}), out, capsys)
    assert plan["person"]["role"] == role
    decided = "encoded, by their mean target out of fold" if role == "entity" else "read as before"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f"person: identifiers whose values repeat (a person or a customer seen in several rows), " \
           f"{decided}." in report
    model = load(out)
    assert model.preprocessor.entities is (role == "entity")
    if role == "entity":  # a known person's rows predict near their level; an unknown one near the mean
        known = pd.DataFrame({"person": [5000, 5000, 99999], "x": [0.0, 0.0, 0.0]})
        predicted = model.predict(known)
        assert predicted[0] == predicted[1] and abs(predicted[2]) < abs(predicted[0]) + 1.0


def test_tune_keeps_a_text_column_only_when_the_linear_model_clearly_gains(tmp_path, capsys):
    """A free-text column whose words carry the target is kept; a name unique to each row (a
    district) is left out, with that reason in the plan and a note in the report; a saved model
    reads its table alike."""
    from ridgeback import load

    rng = np.random.default_rng(1)
    n = 240
    good = rng.integers(0, 2, n)
    words = np.array(["quiet street", "busy road"])[good]
    places = rng.choice(['park', 'shop', 'school'], size=n)
    review = [f"{w} near the {p} at {rng.integers(1, 99)}" for w, p in zip(words, places, strict=True)]
    district = [f"{rng.choice(['North', 'South', 'East', 'West'])} {i} Unified" for i in range(n)]
    x = rng.normal(size=n)
    y = x + 3.0 * good + rng.normal(scale=0.5, size=n)
    out = tmp_path / "run"
    plan = tune_plan(pd.DataFrame({"review": review, "district": district, "x": x, "y": y}), out, capsys)
    assert plan["review"]["role"] == "text"
    assert plan["district"]["role"] == "drop"
    assert plan["district"]["reason"].startswith("text left out: its codes did not improve")
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "text columns: review kept (+" in report and "district left out (" in report
    model = load(out)
    assert model.preprocessor.text_left_out == ["district"]
    assert model.preprocessor.plan_.text_left_out() == ["district"]


def test_many_text_columns_are_kept_or_left_out_together(monkeypatch):
    """Past MAX_TEXT_CHECKS text columns the check is one comparison, all of them or none, so
    that a wide table does not pay one cross-validation per column."""
    from types import SimpleNamespace

    import ridgeback.cli.column_roles as roles
    from ridgeback.cli.common import make_estimator

    rng = np.random.default_rng(2)
    n = 120
    X = pd.DataFrame({f"name{j}": [f"Lake {j} {i} Unified" for i in range(n)] for j in range(3)})
    X["x"] = rng.normal(size=n)
    y = pd.Series(X["x"] + rng.normal(scale=0.5, size=n))
    monkeypatch.setattr(roles, "MAX_TEXT_CHECKS", 2)
    estimator = make_estimator("regression", {})
    settings, note = roles.text_settings(SimpleNamespace(cv=3), {}, X, y, estimator, "r2")
    assert settings["text_left_out"] == ["name0", "name1", "name2"]
    assert note.startswith("text columns: name0, name1, name2 left out (")


def test_the_column_checks_folds_warn_as_one_line_notes_not_raw_warnings(tmp_path):
    """A value missing in one row only: some fold of the group-code check trains without a missing
    value and meets one. What it warns of reaches stderr as one ``note:`` line, never as a raw
    Python warning naming a file of scikit-learn."""
    import subprocess
    import sys

    rng = np.random.default_rng(7)
    n = 160
    county = rng.choice([11, 13, 17, 19, 23], size=n)
    x = rng.normal(size=n)
    y = x + (county % 3) + rng.normal(scale=0.3, size=n)
    x[5] = np.nan
    path = tmp_path / "t.csv"
    pd.DataFrame({"county": county, "x": x, "y": y}).to_csv(path, index=False)
    # its own process: pytest would catch the warnings a user's console shows
    command = ["tune", str(path), "--target", "y", "--grid", "l2=1e-4", "--epochs", "2", "--hidden", "4",
               "--cv", "4", "--out", str(tmp_path / "run")]
    done = subprocess.run([sys.executable, "-m", "ridgeback", *command], capture_output=True, text=True,
                          timeout=300)
    err = done.stderr
    assert done.returncode == 0, err
    assert "UnseenValuesWarning" not in err and "warnings.warn" not in err and ".py:" not in err
    assert err.count("note: Values not seen at fit, per column (rows): x: 1 missing") == 1
