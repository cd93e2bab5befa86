"""The target column (tabular/target.py): the task its values ask for, and the checks that name
the rows a target cannot be learned from (issue 5 data, issue 7 bad-input rows)."""

import numpy as np
import pandas as pd
import pytest

from ridgeback.tabular.target import check_target, infer_task, split_target


def table(counts, start=0):
    """Whole numbers from ``start`` up, each repeated as often as ``counts`` says (as floats)."""
    return pd.Series(np.repeat(np.arange(start, start + len(counts)), counts).astype(float))


def test_infer_task_rule():
    assert infer_task(pd.Series(["a", "b"])) == "classification"
    assert infer_task(pd.Series([True, False])) == "classification"
    assert infer_task(pd.Series([0, 1, 2] * 3)) == "classification"
    assert infer_task(pd.Series([0.0, 1.0, 1.0])) == "classification"
    assert infer_task(pd.Series(np.arange(21))) == "regression"
    assert infer_task(pd.Series([0.5, 1.0])) == "regression"


def test_whole_numbers_that_look_like_counts_or_scores_are_regression_targets():
    """Goals in a match, a vocabulary score from 0 to 10: frequencies that rise to one peak and
    fall, ten times the rarest; labels (flat frequencies, out of order, fewer than five values,
    or gaps) stay classes."""
    goals = table([502, 855, 747, 479, 273, 86, 38, 17, 2, 1])  # Bundesliga's home goals
    vocab = table([36, 59, 91, 163, 318, 499, 642, 470, 298, 251, 173])  # a 0-10 score
    assert infer_task(goals) == infer_task(vocab) == "regression"
    assert infer_task(table([3, 9, 30, 52, 60, 40, 12, 2], start=3)) == "regression"  # a wine's quality
    assert infer_task(table([133, 136, 133, 137, 136, 136, 136, 134, 131, 135])) == "classification"  # digits
    assert infer_task(table([2118, 2833, 357, 27, 95, 174, 205], start=1)) == "classification"  # cover types
    assert infer_task(table([500, 200, 20])) == "classification"  # three values: labels
    gaps = pd.Series(np.repeat([0, 1, 2, 3, 5, 6], [50, 80, 60, 30, 10, 3]))
    assert infer_task(gaps) == "classification"  # a value missing in between: codes
    # a step against the trend beyond noise (rarer in the middle of the climb): not one peak
    assert infer_task(table([10, 200, 40, 300, 150, 60, 5])) == "classification"
    # five heating systems coded 0-4, the middle one most rows: a lone peak (neighbours 15% and 23%
    # of it), no count's; a count whose mode is 0 keeps its steep fall (doctor visits, 5,190 people)
    assert infer_task(table([64, 84, 573, 129, 50])) == "classification"
    assert infer_task(table([110, 260, 573, 129, 50])) == "regression"  # a neighbour of 45% + noise
    assert infer_task(table([4141, 782, 174, 30, 24, 12, 9, 9, 9])) == "regression"


def test_ten_or_more_whole_numbers_of_a_whole_range_unequally_common_are_a_scale():
    """How justifiable abortion is, 1 to 10 (World Values Survey: peaks at 1, 5 and 10), years of
    schooling heaped on 12 and 16: every whole number of a range of ten or more taken, the most
    common at least four times the rarest, is a score whatever the shape of its frequencies. Ten equally
    common digits, nine values with three peaks, or a range with a value never taken stay
    classes."""
    justifiable = [3266, 686, 653, 523, 2029, 754, 581, 631, 291, 674]
    schooling = [3, 12, 20, 26, 20, 44, 77, 180, 244, 265, 193, 280, 26, 30, 11, 9, 1, 3, 1]
    assert infer_task(table(justifiable, start=1)) == "regression"
    assert infer_task(table(schooling, start=1)) == "regression"
    # a 0-10 survey answer (ESS: immigrants and cultural life), its rarest 5.5 times rarer than its
    # most common, and a 0-16 index of when abortion should be allowed: scales too (MIN_SCALE_RATIO)
    culture = [91, 57, 113, 134, 153, 307, 199, 316, 242, 126, 139]
    assert infer_task(table(culture)) == "regression"
    assert infer_task(table([261, 113, 218, 125, 273, 175, 395, 294, 567, 349, 437, 319, 439, 242, 553, 164,
                             352])) == "regression"
    assert infer_task(table([100] * 8 + [130, 390])) == "classification"  # 3.9x: under the ratio
    assert infer_task(table([100] * 9 + [300])) == "classification"  # flat: ten digits, one 3x
    assert infer_task(table(justifiable[:9], start=1)) == "classification"  # nine values: labels
    gap = pd.Series(np.repeat([1, 2, 3, 4, 5, 6, 7, 8, 9, 11], justifiable).astype(float))
    assert infer_task(gap) == "classification"  # 10 never taken: not every number of the range


def test_a_count_with_extra_zeros_is_a_regression_target():
    """Checks of a person's record (0 to 6; 0 the most common, 3 above 2): the positive values
    alone rise to one peak and fall, a count with a hurdle of zeros. Codes from 0 whose positive
    values are no count (a lone middle peak; a climb again after a fall) stay classes."""
    assert infer_task(table([1851, 854, 789, 953, 643, 127, 9])) == "regression"
    assert infer_task(table([600, 30, 250, 420, 200, 80, 20])) == "regression"  # a mode among the positives
    assert infer_task(table([640, 84, 573, 129, 50, 20])) == "classification"  # 2's neighbours: 15%, 23%
    assert infer_task(table([640, 300, 60, 300, 100, 20])) == "classification"  # 3 climbs after 2 fell
    assert infer_task(table([640, 300, 200, 100])) == "classification"  # three positive values: labels


def test_a_count_with_a_top_code_is_a_regression_target():
    """A respondent's children, 0 to 8 with 8 for "eight or more" (GSS 1974-2002): extra zeros and
    a top code standing above 7, by 1.6 times; incomes in brackets whose last is open. A last code
    holding six times its neighbour's rows (a status coded 0 to 6), or a top code after a gap
    (codes 1 to 4 and 9 for "other"), stays a class."""
    assert infer_task(table([2127, 1544, 2338, 1474, 790, 376, 208, 100, 163])) == "regression"
    assert infer_task(table([42, 87, 206, 144, 83, 38, 17, 11, 31], start=1)) == "regression"
    assert infer_task(table([5656, 1098, 834, 151, 147, 156, 924])) == "classification"
    assert infer_task(pd.Series(np.repeat([1, 2, 3, 4, 9], [300, 150, 80, 30, 60]).astype(float))) == \
        "classification"


def test_a_quantity_coded_on_widening_bins_is_a_regression_target():
    """Affairs in a year coded 0, 1, 2, 3, 7 (4 to 10) and 12 (monthly or more), family incomes
    coded at bracket midpoints, memory sizes: the steps between values never narrow and skip
    values twice, and the rows per unit of each value's bin fall away from one peak. Codes with
    one value apart, sentinels that narrow the steps, or bins whose rows per unit climb again
    stay classes."""
    def coded(levels, counts):
        return pd.Series(np.repeat(levels, counts).astype(float))

    affairs = coded([0, 1, 2, 3, 7, 12], [451, 34, 17, 19, 42, 38])  # Fair (1978)
    income = coded([5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 105, 130, 175, 250],
                   [15, 56, 100, 103, 100, 59, 76, 44, 33, 23, 17, 19, 10, 5])
    ram = coded([2, 4, 8, 16, 24, 32], [394, 2236, 2320, 996, 297, 16])
    assert infer_task(affairs) == infer_task(income) == infer_task(ram) == "regression"
    assert infer_task(coded([1, 2, 3, 4, 9], [300, 150, 80, 30, 40])) == "classification"  # "other"
    assert infer_task(coded([1, 2, 3, 4, 5, 8, 9], [300, 150, 80, 30, 20, 10, 30])) == "classification"
    # widening, but 7 holds more rows per unit than 3: two peaks, codes
    assert infer_task(coded([0, 1, 2, 3, 7, 12], [451, 34, 17, 19, 140, 38])) == "classification"


def test_split_target_missing_column_lists_available_ones():
    df = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    with pytest.raises(ValueError, match=r"'label' not found; available columns: 'a', 'b'\. Received: "
                                          "target='label'"):
        split_target(df, "label")


def test_split_target_refuses_one_class_and_empty_data():
    df = pd.DataFrame({"a": [1, 2, 3], "y": ["yes", "yes", "yes"]})
    with pytest.raises(ValueError, match=r"'y' has a single class.*Received: y='yes' in all 3 rows"):
        split_target(df, "y")
    with pytest.raises(ValueError, match=r"no rows or no columns.*Received: data with shape \(0, 2\)"):
        split_target(df.iloc[:0], "y")
    with pytest.raises(ValueError, match=r"no feature columns.*Received: columns=\['y'\]"):
        split_target(df[["y"]], "y")


def test_a_target_with_a_class_per_row_is_refused_but_many_classes_with_rows_each_are_not():
    titles = [f"Movie {i}" for i in range(120)] + ["Movie 0"] * 4  # 120 classes in 124 rows
    df = pd.DataFrame({"a": range(124), "title": titles})
    with pytest.raises(ValueError, match=r"'title' has 120 classes in 124 rows, fewer than 2 rows per class.*"
                                          r"--task regression.*Received: title with 120 distinct values"):
        split_target(df, "title")
    # 60 classes of 2 rows each: learnable (the rare-class rules of tune take it from there)
    X, y = split_target(df.iloc[:120].assign(title=[f"c{i // 2}" for i in range(120)]), "title")
    assert y.nunique() == 60 and len(X) == 120
    # few rows with a class each (a toy table): below the threshold of 50 classes, kept
    assert split_target(pd.DataFrame({"a": [1, 2, 3], "y": ["p", "q", "r"]}), "y")[1].nunique() == 3


def test_split_target_names_rows_with_nan_or_inf():
    df = pd.DataFrame({"a": range(8), "y": [1.5, np.nan, 2.5, 3.5, np.nan, 1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"'y' has missing values at rows 1, 4; remove those rows "
                                          r"\(`ridgeback train` and `tune` leave them out with "
                                          r"--drop-missing-target\)\. Received: y=nan"):
        split_target(df, "y")
    df["y"] = [1.5, 2.0, np.inf, -np.inf, 1.0, 1.1, 1.2, 1.3]
    with pytest.raises(ValueError, match=r"infinite values at rows 2, 3\. Received: y=inf"):
        split_target(df, "y", task="regression")


def test_split_target_returns_features_and_target():
    df = pd.DataFrame({"a": [1, 2, 3], "y": ["u", "v", "u"], "b": [0.5, 0.1, 0.2]})
    X, y = split_target(df, "y")
    assert list(X.columns) == ["a", "b"] and y.tolist() == ["u", "v", "u"]


def test_regression_target_must_be_numeric():
    with pytest.raises(ValueError, match=r"must be numeric; row 1 cannot be read.*Received: t='abc'"):
        check_target(pd.Series(["1.5", "abc", "2"], name="t"), "regression")
    assert check_target(pd.Series(["1.5", "2"]), "regression").tolist() == [1.5, 2.0]


def test_a_target_written_with_currency_signs_is_a_regression_target():
    df = pd.DataFrame({"x": range(30), "price": [f"${1000 + 37.5 * i:,.2f}" for i in range(30)]})
    X, y = split_target(df, "price")
    assert infer_task(y) == "regression" and y.iloc[1] == 1037.5 and y.dtype == np.float64
    # labels written as numbers with few distinct values stay the labels they were
    df = pd.DataFrame({"x": range(30), "rate": ["10 %", "20 %", "30 %"] * 10})
    _, y = split_target(df, "rate")
    assert infer_task(y) == "classification" and set(y) == {"10 %", "20 %", "30 %"}
    # asked for a regression, such labels are read as their numbers; words are refused
    assert check_target(df["rate"], "regression").tolist()[:3] == [10.0, 20.0, 30.0]
    with pytest.raises(ValueError, match=r"must be numeric.*Received: y='ten'"):
        check_target(pd.Series(["ten", "$5"], name="y"), "regression")


def test_numbered_classes_are_named_with_the_flag_that_reads_them_as_a_quantity(tmp_path, capsys):
    from ridgeback.cli import main
    from ridgeback.tabular.target import numbered_classes_note

    assert numbered_classes_note(pd.Series([2.0, 5.0, 9.0, 5.0]), "score") == (
        "score: 3 whole-number values (2 to 9) read as class labels; "
        "--task regression predicts it as a number")
    assert numbered_classes_note(pd.Series([0, 1, 0])) is None  # two classes: labels
    assert numbered_classes_note(pd.Series(np.arange(30))) is None  # read as a quantity already
    assert numbered_classes_note(pd.Series(["a", "b", "c"])) is None
    rng = np.random.default_rng(0)
    x = rng.normal(size=90)
    path = tmp_path / "scores.csv"
    score = np.argsort(np.argsort(x)) % 10  # ten equally common values: labels, not a count
    pd.DataFrame({"x": x, "score": score}).to_csv(path, index=False)
    args = ["tune", str(path), "--target", "score", "--grid", "l2=1e-4", "--epochs", "1", "--hidden", "4",
            "--cv", "3", "--quiet", "--json"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    report = (tmp_path / "a" / "report.html").read_text()
    assert "score: 10 whole-number values (0 to 9) read as class labels" in report
    assert main([*args, "--out", str(tmp_path / "b"), "--task", "regression"]) == 0
    assert "read as class labels" not in (tmp_path / "b" / "report.html").read_text()


def test_describe_task_says_whole_numbers_only_of_whole_numbers():
    from ridgeback.tabular.target import describe_task

    halves = pd.Series(np.repeat([0.5, 1.5, 2.5, 3.5, 4.5], [3, 9, 30, 9, 1]))  # one peak, but not counts
    assert describe_task(halves) == ("regression", "numbers")
    counts = "5 whole numbers (1 to 5) that look like a count or a score"
    assert describe_task(halves + 0.5) == ("regression", counts)
    assert describe_task(pd.Series(["a", "b", "c"])) == ("classification", "3 classes")
