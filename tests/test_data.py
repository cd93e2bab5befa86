"""Readers and built-in datasets (issue 5 data, issue 7 bad-input rows); test_target.py checks the target."""

import builtins

import numpy as np
import pandas as pd
import pytest

from ridgeback.tabular.data import (
    BUILTINS,
    SPARSE_INFORMATIVE,
    list_builtins,
    load_builtin,
    read_csv_bytes,
    read_table,
)
from ridgeback.tabular.target import infer_task, split_target


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


def test_corrupt_parquet_is_a_clear_error(tmp_path):
    path = write(tmp_path, b"PAR1 this is not parquet PAR1", name="bad.parquet")
    with pytest.raises(ValueError, match=r"Cannot read .*bad\.parquet as Parquet.*Received: source="):
        read_table(path)


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
