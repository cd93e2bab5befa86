"""Readers, built-in datasets and target checks (issue 5 data, issue 7 bad-input rows)."""

import builtins

import numpy as np
import pandas as pd
import pytest

from ridgeback.tabular.data import (
    BUILTINS,
    SPARSE_INFORMATIVE,
    check_target,
    infer_task,
    list_builtins,
    load_builtin,
    read_csv_bytes,
    read_table,
    split_target,
)


def write(tmp_path, data: bytes, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_csv_with_bom_semicolons_quotes_and_unicode_names(tmp_path):
    text = '\ufeff"größe";"名前";"note"\n1,5;"a";"x; y"\n2;"b";"say ""hi"""\n'
    path = write(tmp_path, text.encode("utf-8"))
    df = read_table(path)
    assert list(df.columns) == ["größe", "名前", "note"]
    assert df["größe"].tolist() == [1.5, 2.0]  # ";" between fields: "," marks the decimals
    assert df["note"].tolist() == ["x; y", 'say "hi"']


def test_semicolon_files_read_decimal_commas_and_comma_files_do_not(tmp_path):
    df = read_table(write(tmp_path, b"a;b;c\n1,5;1.5;x\n-2,25;2.5;y\n"))
    assert df["a"].tolist() == [1.5, -2.25]
    assert df["b"].tolist() == ["1.5", "2.5"]  # written with a point: text here, numbers in the plan
    df = read_table(write(tmp_path, b'a,b\n"1,5",x\n"2,5",y\n'))
    assert df["a"].tolist() == ["1,5", "2,5"]


def test_csv_separators_are_sniffed(tmp_path):
    for sep in [",", ";", "\t"]:
        path = write(tmp_path, f"a{sep}b{sep}c\n1{sep}2{sep}3\n4{sep}5{sep}6\n".encode())
        df = read_table(path)
        assert list(df.columns) == ["a", "b", "c"]
        assert df.to_numpy().tolist() == [[1, 2, 3], [4, 5, 6]]


def test_explicit_separator_is_used(tmp_path):
    path = write(tmp_path, b"a|b\n1|2\n")
    assert read_table(path, sep="|").to_numpy().tolist() == [[1, 2]]
    with pytest.raises(ValueError, match=r"Received: sep='\|\|'"):
        read_table(path, sep="||")


def test_empty_file_is_refused_naming_the_file(tmp_path):
    path = write(tmp_path, b"")
    with pytest.raises(ValueError, match=r"is empty.*Received: source=.*data\.csv"):
        read_table(path)
    with pytest.raises(ValueError, match="is empty"):
        read_table(write(tmp_path, b"  \n\n"))


def test_header_only_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"header but no data rows \(columns: a, b\).*Received: source="):
        read_table(write(tmp_path, b"a,b\n"))


def test_missing_file_and_invalid_utf8(tmp_path):
    with pytest.raises(ValueError, match=r"No such data file.*Received: source='.*nope\.csv'"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match=r"not valid UTF-8: byte 6 is b'\\x81' \(nor Windows-1252\)"):
        read_table(write(tmp_path, b"a,b\n1,\x81\n"))  # 0x81 has no character in Windows-1252


def test_a_file_that_is_not_utf8_is_read_as_windows_1252_with_a_warning(tmp_path):
    data = "ville;prix\nZürich;1,5\nGenève;2\n".encode("cp1252")
    with pytest.warns(UserWarning, match=r"not UTF-8 \(byte 12 is b'\\xfc'\); it was read as Windows-1252"):
        df = read_table(write(tmp_path, data))
    assert df["ville"].tolist() == ["Zürich", "Genève"] and df["prix"].tolist() == [1.5, 2.0]


def test_read_csv_bytes_refuses_nul_and_ragged_rows():
    with pytest.raises(ValueError, match="NUL bytes"):
        read_csv_bytes(b"a,b\n1,\x002\n")
    with pytest.raises(ValueError, match=r"Cannot parse <bytes> as CSV.*Expected 2 fields"):
        read_csv_bytes(b"a,b\n1,2\n3,4,5\n")


def test_parquet_round_trip_and_missing_pyarrow(tmp_path, monkeypatch):
    df = pd.DataFrame({"x": [1.5, 2.5], "y": ["a", "b"]})
    path = tmp_path / "d.parquet"
    df.to_parquet(path)
    pd.testing.assert_frame_equal(read_table(path), df)
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow":
            raise ImportError("no pyarrow")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(ValueError, match=r"ridgeback\[parquet\].*Received: source="):
        read_table(path)


def test_builtins_match_their_listing():
    names = ["digits", "breast_cancer", "wine", "iris", "diabetes", "sparse"]
    assert [row[0] for row in list_builtins()] == names
    for name, task, n_rows, n_features, _ in list_builtins():
        X, y = load_builtin(name)
        assert X.shape == (n_rows, n_features), name
        assert y.name == "target" and len(y) == n_rows
        assert infer_task(y) == task, name
    df = read_table("builtin:wine")
    assert df.shape == (178, 14) and df.columns[-1] == "target"
    with pytest.raises(ValueError, match=r"Received: name='mnist'"):
        load_builtin("mnist")


def test_sparse_builtin_is_fixed_and_sparse():
    X1, y1 = load_builtin("sparse")
    X2, y2 = load_builtin("sparse")
    pd.testing.assert_frame_equal(X1, X2)
    assert y1.equals(y2) and 0.3 < y1.mean() < 0.7
    # the informative columns carry the signal; the noise columns do not
    corr = np.abs([np.corrcoef(X1.iloc[:, j], y1)[0, 1] for j in range(X1.shape[1])])
    noise = np.delete(corr, SPARSE_INFORMATIVE)
    assert corr[list(SPARSE_INFORMATIVE)].min() > noise.max()
    assert BUILTINS["sparse"].n_features == 100


def test_infer_task_rule():
    assert infer_task(pd.Series(["a", "b"])) == "classification"
    assert infer_task(pd.Series([True, False])) == "classification"
    assert infer_task(pd.Series([0, 1, 2] * 3)) == "classification"
    assert infer_task(pd.Series([0.0, 1.0, 1.0])) == "classification"
    assert infer_task(pd.Series(np.arange(21))) == "regression"
    assert infer_task(pd.Series([0.5, 1.0])) == "regression"


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
    with pytest.raises(ValueError, match=r"'y' has missing values at rows 1, 4; remove those rows\. "
                                          "Received: y=nan"):
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


def test_corrupt_parquet_is_a_clear_error(tmp_path):
    path = write(tmp_path, b"PAR1 this is not parquet PAR1", name="bad.parquet")
    with pytest.raises(ValueError, match=r"Cannot read .*bad\.parquet as Parquet.*Received: source="):
        read_table(path)


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


def test_none_is_a_level_in_text_and_missing_among_numbers():
    """R writes a factor level `None` as the word (an arthritis trial: None, Some, Marked) and
    missing values as NA: `None` stays a class or level, and among numbers it is no value."""
    df = read_csv_bytes(b"dose,improved\n1.5,None\nNone,Some\n2.5,Marked\nNA,None\n")
    assert df["improved"].tolist() == ["None", "Some", "Marked", "None"]
    X, y = split_target(df, "improved")
    assert sorted(y.unique()) == ["Marked", "None", "Some"]
    from ridgeback.tabular.columns import plan_columns

    plan = {c.column: c for c in plan_columns(X).columns}
    assert plan["dose"].role == "numeric" and plan["dose"].missing_share == 0.5
    assert "'None' read as missing" in plan["dose"].reason
