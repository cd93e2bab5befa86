"""The no-hints search (selection/recipe.py) and how ``ridgeback tune`` uses it."""

import json

import numpy as np
import pandas as pd
import pytest

from ridgeback import MLPClassifier, MLPRegressor
from ridgeback.estimators.regressor import clip_bounds
from ridgeback.selection.recipe import (
    MAX_SMOOTHING_SHIFT,
    THRESHOLD_SIGMA,
    data_batch_size,
    data_epochs,
    default_recipe,
    smoothing_shift,
)


@pytest.mark.parametrize("rows, batch", [(1, 32), (200, 32), (1500, 64), (3000, 128), (4000, 128),
                                         (40_000, 256), (10**7, 256)])
def test_batch_size_gives_about_32_steps_per_epoch_within_32_to_256(rows, batch):
    assert data_batch_size(rows) == batch


@pytest.mark.parametrize("rows, epochs", [(200, 150), (2_000, 150), (3_000, 100), (10**6, 40)])
def test_epoch_budget_shrinks_as_epochs_grow_dearer(rows, epochs):
    assert data_epochs(rows) == epochs


@pytest.mark.parametrize("task, cls", [("classification", MLPClassifier), ("regression", MLPRegressor)])
def test_every_candidate_of_the_recipe_is_a_valid_estimator(task, cls):
    recipe = default_recipe(n_rows=5000, n_features=20, task=task, n_classes=3)
    assert recipe.search == "halving" and recipe.n_iter >= 27
    assert () in recipe.grid["hidden_layer_sizes"]  # the linear candidate
    assert ("label_smoothing" in recipe.grid) == (task == "classification")
    for name, values in recipe.grid.items():
        for value in values:
            cls(**{name: value}).checked_params()


@pytest.mark.parametrize("rows, embeddings", [(200, [None, "periodic"]), (1599, [None, "periodic"]),
                                              (1600, [None, "periodic", "ple"]),
                                              (40_000, [None, "periodic", "ple"])])
def test_piecewise_linear_embeddings_are_searched_from_100_rows_per_bin(rows, embeddings):
    assert default_recipe(rows, 5, "regression").grid["numeric_embedding"] == embeddings


@pytest.mark.parametrize("rows, task", [(200, "regression"), (5000, "classification")])
def test_the_anchor_is_a_point_of_the_grid_near_realmlp_td(rows, task):
    recipe = default_recipe(rows, 5, task, n_classes=2)
    point, thresholds = recipe.include
    assert set(point) == set(recipe.grid) == set(thresholds)
    assert all(value in recipe.grid[name] for name, value in point.items())
    assert recipe.grid["periodic_sigma"] == [0.1] and point["periodic_sigma"] == 0.1
    assert point["hidden_layer_sizes"] == ((64,) if rows == 200 else (256, 256))
    assert point["numeric_embedding"] == "periodic" and point.get("label_smoothing", 0.1) == 0.1
    # the second anchor: the same candidate with frequencies ten times larger
    assert thresholds == {**point, "periodic_sigma": THRESHOLD_SIGMA} and THRESHOLD_SIGMA == 1.0


def test_a_one_value_sigma_leaves_the_random_draws_as_they_were():
    """The grid's one ``periodic_sigma`` value changes no drawn candidate: tables move only where
    the second anchor wins."""
    from sklearn.model_selection import ParameterSampler

    grid = default_recipe(600, 8, "classification", n_classes=2, min_class_share=0.4).grid
    without = {k: v for k, v in grid.items() if k != "periodic_sigma"}
    drawn = list(ParameterSampler(grid, 27, random_state=5))
    assert [{k: v for k, v in c.items() if k != "periodic_sigma"} for c in drawn] == \
        list(ParameterSampler(without, 27, random_state=5))
    assert {c["periodic_sigma"] for c in drawn} == {0.1}


def test_without_a_periodic_embedding_the_two_anchors_are_one(tmp_path, capsys):
    """--numeric-embedding none leaves the second anchor's sigma nothing to change: one anchor,
    not two identical candidates; with --numeric-embedding periodic both stay."""
    from ridgeback.cli.app import main

    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.standard_normal((90, 3)), columns=["a", "b", "c"])
    df["y"] = df.a + 0.1 * rng.standard_normal(90)
    df.to_csv(tmp_path / "t.csv", index=False)
    for embedding, anchors in (("none", 1), ("periodic", 2)):
        code = main(["tune", str(tmp_path / "t.csv"), "--target", "y", "--cv", "3", "--n-iter", "3",
                     "--epochs", "3", "--numeric-embedding", embedding, "--quiet", "--json",
                     "--out", str(tmp_path / embedding)])
        results = json.loads(capsys.readouterr().out)["tune"]["results"]
        assert code == 0 and len(results) == 3 + anchors
        assert sum("periodic_sigma" in r["params"] for r in results) == (0 if embedding == "none" else 5)


def test_anchors_that_differ_only_in_what_the_user_set_are_one():
    recipe = default_recipe(500, 5, "regression")
    assert len(recipe.without(["dropout"]).include) == 2
    (point,) = recipe.without(["periodic_sigma"]).include
    assert point == {k: v for k, v in recipe.include[0].items() if k != "periodic_sigma"}


@pytest.mark.parametrize("k, share, shift", [(2, 0.5, 0.0), (2, 0.2, 0.15), (2, 0.1, 0.4), (3, 0.1, 0.2333),
                                              (10, 0.1, 0.0), (10, 0.02, 0.4)])
def test_smoothing_shift_is_the_relative_change_of_the_rarest_class_mean_target(k, share, shift):
    assert smoothing_shift(k, share) == pytest.approx(shift, abs=1e-4)
    # the same number from the smoothed targets themselves
    y = np.zeros((1000, k))
    n_rare = round(1000 * share)
    y[:n_rare, 0] = 1.0
    y[n_rare:, 1] = 1.0
    smoothed = (1 - 0.1) * y + 0.1 / k
    assert smoothed[:, 0].mean() / y[:, 0].mean() - 1 == pytest.approx(shift, abs=1e-4)


@pytest.mark.parametrize("bad", [dict(n_classes=1, min_class_share=0.5),
                                 dict(n_classes=2, min_class_share=0.0),
                                 dict(n_classes=2, min_class_share=0.7)])
def test_smoothing_shift_rejects_impossible_shares(bad):
    with pytest.raises(ValueError, match="Received"):
        smoothing_shift(**bad)


@pytest.mark.parametrize("share, searched", [(None, True), (0.5, True), (0.2, True), (0.15, True),
                                             (0.12, False), (0.01, False)])
def test_label_smoothing_is_left_out_when_the_classes_are_too_unequal(share, searched):
    recipe = default_recipe(5000, 5, "classification", n_classes=2, min_class_share=share)
    assert ("label_smoothing" in recipe.grid) is searched
    assert ("label_smoothing" in recipe.include[0]) is searched
    if share is not None:
        assert (smoothing_shift(2, share) <= MAX_SMOOTHING_SHIFT) is searched
    assert "label_smoothing" not in default_recipe(5000, 5, "regression", min_class_share=share).grid


def test_no_hints_tune_on_a_rare_class_draws_no_label_smoothing(tmp_path, capsys):
    from ridgeback.cli.app import main

    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.standard_normal((120, 3)), columns=["a", "b", "c"])
    df["y"] = np.where(np.arange(120) < 9, "rare", "common")  # 7.5%: shift 0.57
    df.to_csv(tmp_path / "t.csv", index=False)
    code = main(["tune", str(tmp_path / "t.csv"), "--target", "y", "--cv", "3", "--n-iter", "5",
                 "--epochs", "3", "--quiet", "--json", "--out", str(tmp_path / "run")])
    results = json.loads(capsys.readouterr().out)["tune"]["results"]
    assert code == 0 and len(results) == 7  # 5 drawn and the two anchors
    assert all("label_smoothing" not in r["params"] for r in results)
    notes = json.loads((tmp_path / "run" / "run.json").read_text())["notes"]
    assert any(n.startswith("Label smoothing is not searched: the rarest class holds 7.50% of the rows")
               and "+57%" in n for n in notes)


def test_recipe_without_the_parameters_the_user_fixed():
    recipe = default_recipe(5000, 5, "classification", n_classes=2, min_class_share=0.05)
    assert set(recipe.notes) == {"label_smoothing"}
    assert "rarest class holds 5.00%" in recipe.notes["label_smoothing"]
    fixed = recipe.without({"dropout", "label_smoothing", "max_epochs"})
    assert "dropout" not in fixed.grid and "dropout" not in fixed.include[0] and fixed.notes == {}
    assert set(fixed.grid) == set(recipe.grid) - {"dropout"}
    assert fixed.include[0] == {k: v for k, v in recipe.include[0].items() if k != "dropout"}
    assert recipe.grid["dropout"] == [0.0, 0.1, 0.2, 0.3]  # the original is left as it was


def test_a_flag_fixes_its_parameter_for_every_candidate_of_the_no_hints_search(tmp_path, capsys):
    """README: any flag you give overrides the recipe's. --dropout and --label-smoothing are
    grid keys of the no-hints search; given, no candidate varies them and every one trains with them."""
    from ridgeback.cli.app import main

    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.standard_normal((150, 3)), columns=["a", "b", "c"])
    df["y"] = (df.a + 0.3 * rng.standard_normal(150) > 0).astype(int)
    df.to_csv(tmp_path / "t.csv", index=False)
    code = main(["tune", str(tmp_path / "t.csv"), "--target", "y", "--cv", "3", "--n-iter", "3",
                 "--epochs", "3", "--dropout", "0.5", "--label-smoothing", "0.2", "--quiet", "--json",
                 "--out", str(tmp_path / "r")])
    results = json.loads(capsys.readouterr().out)["tune"]["results"]
    assert code == 0 and len(results) == 5  # 3 drawn and the two anchors
    assert all("dropout" not in r["params"] and "label_smoothing" not in r["params"] for r in results)
    assert {"activation", "l2"} <= set(results[1]["params"])  # the rest is still searched
    settings = json.loads((tmp_path / "r" / "run.json").read_text())["settings"]
    assert settings["dropout"] == 0.5 and settings["label_smoothing"] == 0.2
    assert "dropout" not in settings["grid"] and "label_smoothing" not in settings["grid"]


def test_no_hints_tune_with_every_searched_parameter_fixed_says_so(tmp_path, capsys):
    from ridgeback.cli.app import main

    rows = np.arange(40.0)
    pd.DataFrame({"a": rows, "y": np.sqrt(rows)}).to_csv(tmp_path / "t.csv", index=False)
    code = main(["tune", str(tmp_path / "t.csv"), "--target", "y", "--hidden", "8", "--activation", "relu",
                 "--lr", "0.01", "--l2", "0", "--l1", "0", "--dropout", "0", "--numeric-embedding", "none",
                 "--quiet", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and "nothing is left to tune" in err and "Received:" in err
    assert not (tmp_path / "r").exists()


def test_small_tables_get_no_width_beyond_half_their_rows():
    widths = {w for h in default_recipe(200, 5, "regression").grid["hidden_layer_sizes"] for w in h}
    assert widths == {64}
    widths = {w for h in default_recipe(5000, 5, "regression").grid["hidden_layer_sizes"] for w in h}
    assert max(widths) == 256


@pytest.mark.parametrize("bad, match", [
    (dict(n_rows=0, n_features=3, task="regression"), "n_rows"),
    (dict(n_rows=10, n_features=3, task="ranking"), "task"),
])
def test_bad_recipe_arguments_are_value_errors(bad, match):
    with pytest.raises(ValueError, match=f"{match}.*Received"):
        default_recipe(**bad)


def test_no_hints_tune_runs_the_recipe_and_flags_still_win(tmp_path, capsys):
    from ridgeback.cli.app import main

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.standard_normal((90, 3)), columns=["a", "b", "c"])
    df["y"] = df.a - 2 * df.b + 0.1 * rng.standard_normal(90)
    df.to_csv(tmp_path / "t.csv", index=False)
    code = main(["tune", str(tmp_path / "t.csv"), "--target", "y", "--cv", "3", "--n-iter", "4",
                 "--epochs", "6", "--quiet", "--json", "--out", str(tmp_path / "run")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert out["tune"]["search"]["strategy"] == "halving"
    assert len(out["tune"]["results"]) == 6  # the 4 drawn and the two anchors, evaluated first
    first = {k: tuple(v) if k == "hidden_layer_sizes" else v
             for k, v in out["tune"]["results"][0]["params"].items()}
    assert first == default_recipe(60, 3, "regression").include[0]
    settings = run["settings"]
    assert settings["epochs"] == 6  # the user's flag
    assert settings["batch_size"] == 32 and settings["beta_2"] == 0.95  # the recipe's, sized to 60 rows
    recipe = default_recipe(60, 3, "regression")
    assert out["tune"]["results"][1]["params"]["periodic_sigma"] == THRESHOLD_SIGMA  # the second anchor
    for r in out["tune"]["results"][2:]:
        for name, value in r["params"].items():
            value = tuple(value) if name == "hidden_layer_sizes" else value
            assert value in recipe.grid[name]


def test_no_hints_tune_saves_the_average_of_five_seeded_refits(tmp_path, capsys):
    """Without --grid and --time-budget the chosen network is refitted with 5 seeds and the
    average saved; member 0 is exactly the single refit of --ensemble none."""
    from ridgeback import load
    from ridgeback.cli.app import main
    from ridgeback.selection.ensemble import FoldEnsemble

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.uniform(-2, 2, (150, 2)), columns=["a", "b"])
    df["y"] = np.sin(3 * df.a) + df.b ** 2 + 0.05 * rng.standard_normal(150)  # no linear model fits it
    df.to_csv(tmp_path / "t.csv", index=False)
    argv = ["tune", str(tmp_path / "t.csv"), "--target", "y", "--cv", "3", "--n-iter", "3", "--epochs", "20",
            "--json"]
    assert main([*argv, "--out", str(tmp_path / "seeds")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tune"]["chosen"] == "network" and out["ensemble"] == "seeds"
    ensemble = load(tmp_path / "seeds")
    assert isinstance(ensemble, FoldEnsemble) and ensemble.n_members == 5
    assert main([*argv, "--ensemble", "none", "--out", str(tmp_path / "single")]) == 0
    capsys.readouterr()
    single = load(tmp_path / "single")
    X = df[["a", "b"]]
    np.testing.assert_array_equal(ensemble.members[0].predict(X), single.predict(X))
    members = np.array([m.predict(X) for m in ensemble.members])
    assert len({m.tobytes() for m in members}) == 5  # five different seeds
    # their own outputs averaged, the average clipped by the target's bounds (clip_predictions)
    raw = np.mean([m.estimator._predict(m.transform(X), clip=False) for m in ensemble.members], axis=0)
    np.testing.assert_allclose(ensemble.predict(X), np.clip(raw, *clip_bounds(ensemble.target_range_)[:, 0]),
                               rtol=1e-5, atol=1e-6)
    report = (tmp_path / "seeds" / "report.html").read_text()
    assert "averages 5 refits of the chosen candidate" in report
