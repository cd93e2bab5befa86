"""Tabular data in: CSV and Parquet readers and the built-in datasets (the target column's
checks are :mod:`.target`'s).

Everything here raises ``ValueError`` with a message that names the file, column or row
at fault and ends ``Received: name=value``, so that the command line can print one line
and exit 2.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "BUILTINS",
    "SPARSE_INFORMATIVE",
    "list_builtins",
    "load_builtin",
    "read_table",
]

_SEPARATORS = ",;\t"
_SNIFF_BYTES = 64 * 1024


# --------------------------------------------------------------------------- built-ins

#: indices of the informative columns of the "sparse" built-in (the rest is noise)
SPARSE_INFORMATIVE = (3, 17, 42, 71, 88)


def _sklearn_loader(name):
    def load():
        from sklearn import datasets

        bunch = getattr(datasets, f"load_{name}")(as_frame=True)
        X = bunch.data.copy()
        y = bunch.target.rename("target")
        return X, y

    return load


def _load_sparse():
    """600 rows, 100 standard-normal columns; the label depends on 5 of them only."""
    rng = np.random.default_rng(20240605)
    X = rng.standard_normal((600, 100))
    weights = np.zeros(100)
    weights[list(SPARSE_INFORMATIVE)] = [2.0, -1.5, 1.5, -2.0, 1.0]
    logits = X @ weights + 0.3 * rng.standard_normal(600)
    y = pd.Series((logits > 0).astype(np.int64), name="target")
    return pd.DataFrame(X.astype(np.float32), columns=[f"x{i:02d}" for i in range(100)]), y


@dataclass(frozen=True)
class Builtin:
    name: str
    task: str
    n_rows: int
    n_features: int
    description: str
    loader: object


BUILTINS = {
    b.name: b
    for b in (
        Builtin("digits", "classification", 1797, 64, "8x8 handwritten digits, 10 "
                                                      "classes", _sklearn_loader("digits")),
        Builtin("breast_cancer", "classification", 569, 30, "Wisconsin breast cancer, 2 classes",
                _sklearn_loader("breast_cancer")),
        Builtin("wine", "classification", 178, 13, "wine cultivars, 3 classes", _sklearn_loader("wine")),
        Builtin("iris", "classification", 150, 4, "iris species, 3 classes", _sklearn_loader("iris")),
        Builtin("diabetes", "regression", 442, 10, "diabetes progression after one year",
                _sklearn_loader("diabetes")),
        Builtin("sparse", "classification", 600, 100,
                "synthetic: 5 informative columns among 100 (fixed seed), 2 classes", _load_sparse),
    )
}


def list_builtins():
    """The built-in datasets as ``(name, task, n_rows, n_features, description)`` tuples.

    Examples
    --------
    >>> [row[0] for row in list_builtins()]
    ['digits', 'breast_cancer', 'wine', 'iris', 'diabetes', 'sparse']
    """
    return [(b.name, b.task, b.n_rows, b.n_features, b.description) for b in BUILTINS.values()]


def load_builtin(name):
    """Load a built-in dataset (scikit-learn's shipped data or the synthetic "sparse" task; no download).

    Returns
    -------
    X : DataFrame
    y : Series named "target"

    Examples
    --------
    >>> X, y = load_builtin("iris")
    >>> X.shape, y.name
    ((150, 4), 'target')
    """
    if name not in BUILTINS:
        raise ValueError(f"Unknown built-in dataset; expected one of {sorted(BUILTINS)}. Received: "
                         f"name={name!r}")
    return BUILTINS[name].loader()


# --------------------------------------------------------------------------- readers

def _sniff_separator(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_SEPARATORS).delimiter
    except csv.Error:
        pass
    # one line, or a sample the sniffer cannot decide: count separators outside quotes in the header
    lines = sample.splitlines()
    header = lines[0] if lines else ""
    counts = {sep: 0 for sep in _SEPARATORS}
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


#: the cells read as missing values: pandas' defaults but ``None``, which R writes as a level
#: (an arthritis trial's improvement: None, Some, Marked) and which stays missing in a numeric
#: column (``NO_VALUE``)
NA_STRINGS = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
              "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null")


def _read_csv_text(text: str, name: str, sep) -> pd.DataFrame:
    if not text.strip():
        raise ValueError(f"The data file {name} is empty: expected a header line and data rows. "
                         f"Received: source={name!r}")
    if sep is None:
        sep = _sniff_separator(text)
    elif not isinstance(sep, str) or len(sep) != 1:
        raise ValueError(f"`sep` must be a single character or None (sniff). Received: sep={sep!r}")
    _check_records(text, name, sep)
    try:
        # ";" separates the fields where "," marks the decimals (Excel in most of Europe):
        # 1,5 is then one and a half (a column written with "." stays text and is read as numbers later)
        df = pd.read_csv(io.StringIO(text), sep=sep, engine="c", skipinitialspace=False,
                         decimal="," if sep == ";" else ".", keep_default_na=False,
                         na_values=list(NA_STRINGS))
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"The data file {name} has no columns. Received: source={name!r}") from exc
    except (pd.errors.ParserError, ValueError, csv.Error, OverflowError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"Cannot parse {name} as CSV with separator {sep!r}: {first}. "
                         f"Received: source={name!r}") from exc
    if df.shape[0] == 0:
        raise ValueError(f"The data file {name} has a header but no data rows (columns: "
                         f"{', '.join(map(str, df.columns[:10]))}). Received: source={name!r}")
    return df


def _check_records(text: str, name: str, sep: str):
    """Refuse what pandas would read silently wrong: a header naming a column twice (pandas
    renames the second ``wt`` to ``wt.1``), a bare carriage return inside an unquoted field
    (it splits the row in two) and a row with more or fewer fields than the header (pandas
    pads it with missing values, or takes the first field as the index). Rows are counted
    from 0 after the header, lines from 1, as an editor shows them."""
    bare_cr = re.search(r"\r(?!\n)", text)
    if bare_cr and "\n" in text and text.count('"', 0, bare_cr.start()) % 2 == 0:
        line = text.count("\n", 0, bare_cr.start()) + 1
        raise ValueError(f"The data file {name} has a carriage return (\\r) inside an unquoted field on "
                         f"line {line}, which would split that row in two; quote the field or remove the "
                         f"character. Received: line={line}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"')
    try:
        header = next(reader)
        duplicated = sorted({n for n in header if header.count(n) > 1})
        if duplicated:
            raise ValueError(f"The data file {name} names the column(s) {duplicated} more than once in "
                             f"its header; rename or remove the copies. Received: duplicated columns "
                             f"{duplicated}")
        row, start = 0, reader.line_num + 1
        for record in reader:
            if record and len(record) != len(header) and not (len(record) == 1 and not record[0].strip()):
                span = f"lines {start} to {reader.line_num}" if reader.line_num > start else f"line {start}"
                hint = " (a quote opened there is not closed where expected)" if reader.line_num > start \
                    else ""
                raise ValueError(f"Cannot parse {name} as CSV with separator {sep!r}: row {row} ({span}) "
                                 f"has {len(record)} fields{hint}. Expected {len(header)} fields, as in the "
                                 f"header. Received: row={row}")
            row += bool(record)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValueError(f"Cannot parse {name} as CSV near line {reader.line_num}: {exc}. "
                         f"Received: line={reader.line_num}") from None
    except StopIteration:
        return


def read_table(source, *, sep=None):
    """Read a CSV or Parquet file, or a ``builtin:NAME`` dataset, as a DataFrame.

    CSV: UTF-8 with or without a byte-order mark (a file that is not UTF-8 is read as
    Windows-1252, Excel's encoding on Windows, with a warning); the separator (``,``, ``;`` or tab) is
    sniffed from the first 64 KiB unless ``sep`` is given; with ``;`` a comma marks the
    decimals (``1,5``), as spreadsheets write it where ``;`` separates the fields; quoted
    fields and Unicode column names are read as such. Parquet (``.parquet``) needs pyarrow (the ``[parquet]``
    extra). ``builtin:NAME`` returns the built-in with its label in a "target" column.

    Raises
    ------
    ValueError
        Missing, empty or header-only file; bytes that are neither UTF-8 nor Windows-1252
        (the offset is named); a file that cannot be parsed.

    Examples
    --------
    >>> df = read_table("builtin:iris")
    >>> list(df.columns)[-1], len(df)
    ('target', 150)
    """
    if isinstance(source, pd.DataFrame):
        return source.copy()
    if isinstance(source, str) and source.startswith("builtin:"):
        X, y = load_builtin(source[len("builtin:"):])
        return X.assign(target=y.to_numpy())
    if not isinstance(source, (str, Path)):
        raise ValueError(f"`source` must be a path or 'builtin:NAME'. Received: source of type "
                         f"{type(source).__name__}")
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"No such data file: {path}. Received: source={str(source)!r}")
    if path.suffix.lower() in (".parquet", ".pq"):
        return _read_parquet(path)
    data = path.read_bytes()
    return read_csv_bytes(data, name=str(path), sep=sep)


def read_csv_bytes(data: bytes, *, name="<bytes>", sep=None) -> pd.DataFrame:
    """Parse CSV ``data`` as :func:`read_table` does (used by it and by the fuzz tests)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = data[exc.start:exc.start + 1]
        try:  # what Excel writes on Windows in Western Europe and the Americas
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ValueError(f"The data file {name} is not valid UTF-8: byte {exc.start} is {byte!r} "
                             f"(nor Windows-1252). Save it as UTF-8. Received: source={name!r}") from None
        warnings.warn(f"The data file {name} is not UTF-8 (byte {exc.start} is {byte!r}); it was read as "
                      f"Windows-1252, as Excel writes CSV files on Windows. Save it as UTF-8 if its accents "
                      f"read wrong.", UserWarning, stacklevel=2)
    if "\x00" in text:
        raise ValueError(f"The data file {name} contains NUL bytes; it is not a text CSV file. "
                         f"Received: source={name!r}")
    return _read_csv_text(text, name, sep)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ValueError(f"Reading Parquet needs pyarrow: pip install 'ridgeback[parquet]'. "
                         f"Received: source={str(path)!r}") from None
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises its own error types for corrupt files
        raise ValueError(f"Cannot read {path} as Parquet: {exc}. Received: source={str(path)!r}") from exc
    if df.shape[0] == 0:
        raise ValueError(f"The data file {path} has no data rows. Received: source={str(path)!r}")
    return df
