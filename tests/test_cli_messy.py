"""Every CLI command on every messy fixture (issue 18): exit 0 or 2, never 1, never a traceback;
the plan, the unseen-value note on stderr and `warnings` in --json."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ridgeback.cli import main

MESSY = Path(__file__).parent / "fixtures" / "messy"
TARGETS = {"listings.csv": "sold", "listings_new.csv": "sold", "rare_class.csv": "species",
           "duplicate_header.csv": "mpg", "unbalanced_quote.csv": "cyl", "stray_cr.csv": "cyl"}
FAST = ["--epochs", "3", "--hidden", "4", "--quiet"]


def run(capsys, argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in out + err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy") / "model"
    argv = ["train", MESSY / "listings.csv", "--target", "sold", "--out", out, *FAST]
    assert main([str(a) for a in argv]) == 0
    return out


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_command_on_every_fixture_exits_0_or_2_in_one_line(capsys, tmp_path, trained, name):
    data, target = MESSY / name, TARGETS[name]
    run(capsys, ["describe", data, "--target", target])
    run(capsys, ["train", data, "--target", target, "--out", tmp_path / "m", *FAST])
    run(capsys, ["tune", data, "--target", target, "--out", tmp_path / "r", "--grid", "l2=0", "--cv", "3",
                 *FAST])
    run(capsys, ["predict", trained, data, "--out", tmp_path / "p.csv", "--quiet"])
    run(capsys, ["evaluate", trained, data, "--target", target, "--quiet"])


def test_malformed_files_name_the_problem(capsys):
    _, _, err = run(capsys, ["describe", MESSY / "duplicate_header.csv", "--target", "mpg"])
    assert "['wt'] more than once" in err
    _, _, err = run(capsys, ["train", MESSY / "stray_cr.csv", "--target", "cyl", "--out", "x", *FAST])
    assert "carriage return" in err and "line 3" in err


def test_describe_prints_the_plan_and_honours_overrides(capsys):
    code, out, _ = run(capsys, ["describe", MESSY / "listings.csv", "--target", "sold", "--drop",
                                "description,area", "--id", "zip_code"])
    assert code == 0
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[2:-1]}
    assert rows["description"] == "drop" and rows["area"] == "drop" and rows["zip_code"] == "id"
    assert rows["listed_at"] == "datetime" and rows["neighbourhood"] == "categorical"
    first = out.splitlines()[0]
    assert first.endswith("target 'sold': classification (2 classes; train and tune take --task)")
    code, out, _ = run(capsys, ["describe", MESSY / "listings.csv", "--target", "sold", "--json"])
    doc = json.loads(out)
    assert doc["summary"].startswith("columns: 1 numeric") and len(doc["columns"]) == 10
    assert (doc["task"], doc["task_reason"]) == ("classification", "2 classes")


def test_describe_names_a_count_target_as_a_quantity(capsys, tmp_path):
    path = tmp_path / "goals.csv"
    goals = np.repeat(np.arange(6), [50, 80, 60, 30, 10, 3])
    pd.DataFrame({"x": np.arange(goals.size), "goals": goals}).to_csv(path, index=False)
    code, out, _ = run(capsys, ["describe", path, "--target", "goals"])
    assert code == 0
    assert out.splitlines()[0] == ("233 rows, target 'goals': regression (6 whole numbers (0 to 5) that look "
                                   "like a count or a score; train and tune take --task)")


def test_train_and_tune_print_the_plan_summary_and_take_toml_keys(capsys, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('drop = ["description"]\ncategorical = "zip_code"\n')
    code, out, _ = run(capsys, ["train", MESSY / "listings.csv", "--target", "sold", "--out", tmp_path / "m",
                                "--config", config, *FAST])
    assert code == 0 and "dropped: Unnamed: 0 (identifier), licence_id (identifier), description" in out
    code, out, err = run(capsys, ["tune", MESSY / "rare_class.csv", "--target", "species", "--out",
                                  tmp_path / "r", "--grid", "l2=0", "--cv", "5", "--epochs", "3",
                                  "--hidden", "4"])
    assert code == 0 and "columns: 2 numeric" in out and "'rare' (2 rows)" in err


def test_unseen_levels_are_one_note_on_stderr_and_warnings_in_json(capsys, tmp_path, trained):
    new = MESSY / "listings_new.csv"
    code, _, err = run(capsys, ["predict", trained, new, "--out", tmp_path / "p.csv"])
    notes = [line for line in err.splitlines() if line.startswith("note: Values not seen at fit")]
    assert code == 0 and len(notes) == 1 and "has_pool: 30 type change" in notes[0]
    code, out, _ = run(capsys, ["evaluate", trained, new, "--target", "sold", "--json"])
    (warning,) = json.loads(out)["warnings"]
    assert warning["counts"]["neighbourhood"]["unseen level"] == 3


def test_memory_limit_error_is_one_line_exit_2(capsys, tmp_path, monkeypatch):
    import ridgeback.tabular.limits as limits

    monkeypatch.setattr(limits, "default_memory_limit", lambda: 50_000)
    code, _, err = run(capsys, ["train", MESSY / "listings.csv", "--target", "sold", "--out", tmp_path / "m",
                                "--categorical", "description", *FAST])
    assert code == 2 and "widest column is 'description'" in err and "--drop description" in err


def test_tune_report_lists_each_columns_role_and_what_was_done(tmp_path, capsys):
    """Issue 18: train/tune print one summary line; the report holds the details per column."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame({"row_id": np.arange(n), "age": rng.normal(40, 10, n),
                       "colour": rng.choice(["r", "g"], n), "constant": 1.0, "y": rng.choice(["a", "b"], n)})
    df.loc[:10, "age"] = np.nan
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "run"
    code = main(["tune", str(path), "--target", "y", "--grid", "l2=1e-3", "--cv", "2", "--epochs", "2",
                 "--quiet", "--out", str(out)])
    assert code == 0
    columns = {c["column"]: c for c in json.loads((out / "run.json").read_text())["columns"]}
    assert columns["row_id"]["role"] == "id" and columns["constant"]["role"] == "drop"
    assert columns["age"]["missing_share"] == pytest.approx(11 / n)
    page = (out / "report.html").read_text()
    assert '<section id="columns">' in page and "row_id" in page and "a missing category is a level" in page
    # predicting on a file that still holds the labels: the run's target is no feature, nothing to say
    predictions = tmp_path / "p.csv"
    code = main(["predict", str(out), str(path), "--out", str(predictions)])
    assert code == 0 and capsys.readouterr().err == ""
    assert len(predictions.read_text().splitlines()) == n + 1


def test_a_windows_1252_file_is_read_with_one_note_and_formatted_columns_are_said(capsys, tmp_path):
    path = tmp_path / "ventes.csv"
    rows = [f"Zürich;{i},5;{i + 10}/01/2025;1.{i:03d},50 €;{'oui' if i % 2 else 'non'}" for i in range(12)]
    path.write_bytes(("ville;mesure;jour;prix;cible\n" + "\n".join(rows) + "\n").encode("cp1252"))
    code, out, err = run(capsys, ["describe", path, "--target", "cible"])
    assert code == 0 and err.count("\n") == 1 and "read as Windows-1252" in err
    plan = {line.split()[0]: line for line in out.splitlines()[2:-1]}
    assert "numeric" in plan["mesure"] and "datetime" in plan["jour"] and "%d/%m/%Y" in plan["jour"]
    assert "numeric" in plan["prix"] and "decimal mark ','" in plan["prix"]
    code, out, err = run(capsys, ["describe", path, "--target", "cible", "--quiet"])
    assert code == 0 and err == ""


def test_classes_and_levels_spelled_several_ways_are_one_each_with_one_note(capsys, tmp_path):
    path = tmp_path / "survey.csv"
    answers = ["yes", "Yes", "no", " no", "yes", "no", "YES", "no"] * 5
    sexes = ["male", "Male ", "female", "FEMALE"] * 10
    path.write_text("sex,visits,bought\n" + "\n".join(
        f"{s},{i % 7},{a}" for i, (a, s) in enumerate(zip(answers, sexes, strict=True))) + "\n")
    code, out, err = run(capsys, ["describe", path, "--target", "bought"])
    assert code == 0 and err.count("\n") == 1
    assert err.startswith("note: The target 'bought' has 5 spellings of 2 levels, case and spaces ignored")
    assert "4 spellings of 2 levels" in next(line for line in out.splitlines() if line.startswith("sex"))
    model = tmp_path / "model"
    code, out, err = run(capsys, ["train", path, "--target", "bought", "--out", model, *FAST, "--json"])
    assert code == 0 and err == ""  # --quiet
    code, out, err = run(capsys, ["evaluate", model, path, "--target", "bought", "--json"])
    assert code == 0 and 0.0 <= json.loads(out)["accuracy"] <= 1.0  # 'YES' and ' no' are known classes
    code, out, err = run(capsys, ["predict", model, path, "--out", tmp_path / "p.csv", "--quiet"])
    header, *rows = (tmp_path / "p.csv").read_text().split()
    assert code == 0 and header.split(",")[1:] == ["proba_no", "proba_yes"]
    assert {row.split(",")[0] for row in rows} <= {"yes", "no"} and len(rows) == 40


def test_a_train_model_remembers_its_target_so_predict_ignores_it_silently(capsys, tmp_path):
    import ridgeback as rb

    path = tmp_path / "cars.csv"
    rows = [(4 + 2 * (i % 3), ["rotary", "4", "6", "8"][i % 4], 10.0 + i) for i in range(40)]
    path.write_text("weight,cylinders,price\n" + "\n".join(f"{w},{c},{p}" for w, c, p in rows) + "\n")
    model = tmp_path / "model"
    code, _, _ = run(capsys, ["train", path, "--target", "price", "--out", model, *FAST])
    assert code == 0 and json.loads((model / "model.json").read_text())["tabular"]["target"] == "price"
    assert rb.load(model).target_name_ == "price"
    # the file to predict still holds the labels: no run.json (train writes none), yet no note
    code, _, err = run(capsys, ["predict", model, path, "--out", tmp_path / "p.csv"])
    assert code == 0 and "not seen at fit" not in err and "Ignoring" not in err
    # a column the model never saw that is not its target is still named
    (tmp_path / "extra.csv").write_text(path.read_text().replace("price\n", "price,extra\n", 1)
                                        .replace("\n", ",1\n").replace("price,extra,1\n", "price,extra\n", 1))
    code, _, err = run(capsys, ["predict", model, tmp_path / "extra.csv", "--out", tmp_path / "p2.csv"])
    assert code == 0 and "Ignoring columns not seen at fit: ['extra']" in err


@pytest.mark.parametrize("rare", ["rotary", "98112-4729"])
def test_tune_reads_a_column_that_a_few_rows_make_categorical_alike_in_every_fold(capsys, tmp_path, rare):
    """One row's word (or ZIP+4 code) makes the column categorical on all rows; the fold whose
    training rows lack it must not read the column as numbers and then refuse that row."""
    import numpy as np

    rng = np.random.default_rng(0)
    n = 60
    values = [["4", "6", "8"][i % 3] if rare == "rotary" else f"9810{i % 3}" for i in range(n)]
    values[7] = rare
    x = rng.normal(size=n)
    path = tmp_path / "t.csv"
    rows = (f"{v},{a:.3f},{int(a > 0)}" for v, a in zip(values, x, strict=True))
    path.write_text("kind,x,y\n" + "\n".join(rows) + "\n")
    out = tmp_path / "run"
    code, text, _ = run(capsys, ["tune", path, "--target", "y", "--grid", "l2=0,1e-3", "--cv", "5",
                                 "--out", out, *FAST, "--json"])
    assert code == 0
    plan = {c["column"]: c for c in json.loads(text)["plan"]}
    assert plan["kind"]["role"] == "categorical" and "set by" not in plan["kind"]["reason"]


def test_tune_ensemble_folds_keeps_a_rare_level_categorical_when_only_held_out_rows_hold_it(capsys, tmp_path):
    """--ensemble folds sets rows aside before the search; the one row whose word makes the
    column categorical is among them: the fold models and the refit must still read the column
    as categories, or the ensemble's gain on those rows refuses it."""
    import numpy as np
    import pandas as pd

    from ridgeback.cli.ensembles import hold_out

    rng = np.random.default_rng(0)
    n = 60
    x = rng.normal(size=n)
    y = (x > 0).astype(int)
    values = [["4", "6", "8"][i % 3] for i in range(n)]
    held = hold_out(pd.DataFrame({"kind": values, "x": x}), pd.Series(y, name="y"), "classification", 0)[2][0]
    values[int(held.index[0])] = "rotary"
    path = tmp_path / "t.csv"
    rows = (f"{v},{a:.3f},{b}" for v, a, b in zip(values, x, y, strict=True))
    path.write_text("kind,x,y\n" + "\n".join(rows) + "\n")
    out = tmp_path / "run"
    code, text, err = run(capsys, ["tune", path, "--target", "y", "--grid", "l2=0,1e-3", "--cv", "3",
                                   "--ensemble", "folds", "--out", out, *FAST, "--json"])
    assert code == 0, err
    result = json.loads(text)
    assert {c["column"]: c["role"] for c in result["plan"]}["kind"] == "categorical"
    assert result["ensemble_gain"]["holdout_rows"] == len(held)
    code, _, err = run(capsys, ["predict", out, path, "--out", tmp_path / "p.csv"])
    assert code == 0, err


def test_rows_without_a_target_are_refused_by_row_or_left_out_on_request(capsys, tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=60), "z": rng.normal(size=60)})
    df["y"] = 2.0 * df["x"] + rng.normal(scale=0.1, size=60)
    df.loc[[3, 17, 40], "y"] = np.nan
    path = tmp_path / "unlabelled.csv"
    df.to_csv(path, index=False)
    code = main(["train", str(path), "--target", "y", "--epochs", "1", "--out", str(tmp_path / "refused")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "missing values at rows 3, 17, 40" in err[0] and "--drop-missing-target" in err[0]
    assert not (tmp_path / "refused").exists()
    # the flag: the 57 labelled rows, with a note; the same through a TOML key for tune
    code = main(["train", str(path), "--target", "y", "--epochs", "1", "--drop-missing-target",
                 "--out", str(tmp_path / "train"), "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["rows"] == 57
    assert ("note: left out 3 of 60 rows without a value in the target column 'y' (--drop-missing-target)"
            in err)
    config = tmp_path / "run.toml"
    config.write_text("drop_missing_target = true\n")
    code = main(["tune", str(path), "--target", "y", "--grid", "l2=1e-4", "--epochs", "2", "--hidden", "4",
                 "--cv", "3", "--config", str(config), "--out", str(tmp_path / "tune"), "--quiet"])
    assert code == 0
    config.write_text('drop_missing_target = "yes"\n')
    code = main(["tune", str(path), "--target", "y", "--config", str(config), "--out", str(tmp_path / "bad")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "Received: drop_missing_target='yes'" in err[-1]
