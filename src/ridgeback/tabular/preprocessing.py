r"""``Preprocessor``: raw DataFrame columns in, a float matrix for the network out.

First every column gets a role (:mod:`ridgeback.tabular.columns`: numeric, categorical,
text, datetime, identifier or dropped, overridable by name). Then, fitted on the training
rows only:

* numeric columns, and the parts of datetime columns: ``SimpleImputer(strategy="median")``
  then ``StandardScaler``, :math:`z = (x - \mu) / \sigma` (a zero :math:`\sigma` is taken as 1),
  or with ``scaling="robust"`` ``RobustScaler`` (median, interquartile range) followed by
  the smooth clip :math:`z / \sqrt{1 + (z/3)^2}`, which keeps outliers within about
  :math:`\pm 3`. A column that had missing values in training also gets a 0/1 indicator
  column ``"name=<missing>"``: missing is information, not just a hole to fill;
* categorical columns: a missing value is its own level ``"<missing>"``, then
  ``OneHotEncoder(handle_unknown="ignore")``. Values are compared as strings, so ``1`` and
  ``"1"`` are one level; a boolean column arriving as 0/1, or codes arriving as numbers, are
  mapped back and counted;
* text columns: a fixed-width code (:mod:`ridgeback.tabular.encoders`).

What was learned (medians, means, scales, categories, text arrays) is then read off into
plain lists and arrays: ``transform`` applies those numbers, and ``get_config()`` /
``get_arrays()`` / ``from_config()`` carry them through JSON and ``.npz``, so a loaded
preprocessor transforms exactly as the fitted one did. ``column_transformer_`` is the fitted
scikit-learn object of the numeric, indicator and categorical blocks: the tests check that
our numbers reproduce its output.

At transform time, unseen levels and type changes are counted per column and reported in
one :class:`~ridgeback.tabular.limits.UnseenValuesWarning`; a value that cannot be mapped
raises ``ValueError`` naming the column and row. Before allocating its output the
preprocessor estimates its size and raises
:class:`~ridgeback.tabular.limits.MemoryLimitError` above ``memory_limit``.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from .._util.validation import resolve_dtype
from .columns import (
    CARDINALITY_THRESHOLD,
    Plan,
    is_categorical_dtype,
    is_datetime_dtype,
    plan_columns,
)
from .encoders import (
    DATETIME_PARTS,
    HASH_WIDTH,
    TEXT_COMPONENTS,
    datetime_parts,
    encode_text,
    fit_text,
    text_strings,
)
from .limits import UnseenValuesWarning, check_memory

__all__ = ["Preprocessor", "MISSING"]

#: the level a missing categorical value becomes, and the suffix of a missing-indicator column
MISSING = "<missing>"
CONFIG_VERSION = 2
SCALINGS = ("standard", "robust")
_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n"}


def _as_frame(X, columns=None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(f"`X` must be a DataFrame or a 2-D array. Received: X with shape {array.shape}")
    names = columns if columns is not None and len(columns) == array.shape[1] else [
        f"x{i}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=names)


def smooth_clip(z):
    r""":math:`z / \sqrt{1 + (z/3)^2}`: the identity near 0, bounded by :math:`\pm 3`."""
    return z / np.sqrt(1.0 + (z / 3.0) ** 2)


def _input_kind(series: pd.Series) -> str:
    """How the values were written: 'bool', 'number', 'string' (or 'datetime')."""
    if is_datetime_dtype(series):
        return "datetime"
    if series.dtype.kind == "b":
        return "bool"
    if series.dtype.kind in "iuf":
        return "number"
    present = series.dropna().iloc[:1000]
    if len(present) and all(isinstance(v, (bool, np.bool_)) for v in present):
        return "bool"
    if len(present) and all(isinstance(v, (int, float, np.integer, np.floating)) for v in present):
        return "number"
    return "string"


def _level(value) -> str:
    """A value as its category string; a whole float is written as an integer (98112.0 -> '98112')."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _categorical_strings(series: pd.Series, kind=None, name=None, counts=None) -> np.ndarray:
    """Values as an object array of str, missing values as NaN.

    ``kind`` (the input kind seen at fit) maps type changes back: 0/1 or "yes"/"no" to
    'True'/'False' for a boolean column, whole floats to integers; each mapped value is
    counted in ``counts["type change"]``. ``kind=None`` is the behaviour of models saved
    before column plans: ``str(value)``, nothing mapped.
    """
    values = series.astype(object).to_numpy()
    missing = pd.isna(values)
    if kind is None:
        return np.array([np.nan if m else str(v) for v, m in zip(values, missing, strict=True)], dtype=object)
    out = np.empty(values.size, dtype=object)
    changed = 0
    for row, (v, m) in enumerate(zip(values, missing, strict=True)):
        if m:
            out[row] = np.nan
        elif kind == "bool" and not isinstance(v, (bool, np.bool_)):
            text = _level(v).strip().lower()
            if text not in _TRUE and text not in _FALSE:
                raise ValueError(f"Column {name!r} was boolean at fit but row {row} holds {v!r}, which "
                                 f"cannot be read as True/False. Received: {name}={v!r}")
            out[row] = "True" if text in _TRUE else "False"
            changed += 1
        else:
            out[row] = _level(v)
            changed += (kind == "string") != isinstance(v, str) and kind != "bool"
    if counts is not None and changed:
        counts["type change"] = counts.get("type change", 0) + int(changed)
    return out


def _numeric_column(series: pd.Series, name, *, coerce=False, counts=None, from_text=True) -> np.ndarray:
    """The column as float64, refusing infinities and text that is not a number (naming the row).

    ``coerce``: text that is not a number is read as missing (a column declared numeric),
    counted in ``counts["not a number"]``. Numbers written as text in a column that held
    numbers at fit (``from_text=False``), and booleans, are counted as ``"type change"``.
    """
    if series.dtype.kind in "iuf":
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    elif series.dtype.kind == "b":
        values = series.to_numpy(dtype=np.float64)
        if counts is not None:
            counts["type change"] = counts.get("type change", 0) + int(values.size)
    else:
        present = series.notna().to_numpy()
        coerced = pd.to_numeric(series.astype(object).map(
            lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v), errors="coerce")
        bad = coerced.isna().to_numpy() & present
        if bad.any() and not coerce:
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"Column {name!r} is numeric but row {row} holds {series.iloc[row]!r}, which is "
                             f"not a number ({int(bad.sum())} row(s) like this); declare it categorical "
                             f"(--categorical {name}) or numeric with such values read as missing "
                             f"(--numeric {name}). Received: {name}={series.iloc[row]!r}")
        if counts is not None:
            if bad.any():
                counts["not a number"] = counts.get("not a number", 0) + int(bad.sum())
            if not from_text and (present & ~bad).any():
                counts["type change"] = counts.get("type change", 0) + int((present & ~bad).sum())
        values = coerced.to_numpy(dtype=np.float64, na_value=np.nan)
    inf = np.isinf(values)
    if inf.any():
        row = int(np.flatnonzero(inf)[0])
        raise ValueError(f"Column {name!r} has an infinite value at row {row}; expected finite numbers or "
                         f"missing values. Received: {name}={values[row]}")
    return values


def _check_readable(series: pd.Series, name):
    for row, value in enumerate(series.to_numpy()):
        if value is None or isinstance(value, (str, bool, np.bool_, int, float, np.integer, np.floating)):
            continue
        raise ValueError(f"Column {name!r} holds a value of type {type(value).__name__} at row {row}, which "
                         f"cannot be read as a number or category. Received: {name}={value!r}")


class Preprocessor(TransformerMixin, BaseEstimator):
    """Give every column a role, then impute, scale, one-hot and encode into a float matrix.

    A scikit-learn transformer: ``__init__`` only stores its arguments, so ``clone``,
    ``get_params`` / ``set_params`` and ``Pipeline`` work. Inside a cross-validation search,
    put it in a ``Pipeline`` before the network so that every fold fits its own medians,
    means, scales and categories on its training rows only (no leakage into the held-out fold).

    Parameters
    ----------
    dtype : float32 or float64
        Dtype of the output matrix.
    drop, categorical, numeric, datetime, id : list of str, optional
        Columns whose role is set by hand (see :func:`~ridgeback.tabular.columns.plan_columns`):
        ``drop`` and ``id`` are left out; ``categorical`` is one-hot encoded whatever its
        number of levels; ``numeric`` and ``datetime`` read values that are not numbers /
        dates as missing instead of refusing them.
    scaling : {"standard", "robust"}
        ``"standard"``: mean and standard deviation. ``"robust"``: median and interquartile
        range, then the smooth clip :math:`z / \\sqrt{1 + (z/3)^2}`.
    cardinality_threshold : int
        A string column with more distinct values than this is encoded as text, not one-hot.
    memory_limit : int or None
        Bytes the output matrix may take; None: a quarter of the machine's memory
        (:func:`~ridgeback.tabular.limits.default_memory_limit`). Checked before allocating.

    Attributes
    ----------
    plan_ : Plan
        Every raw column's role, cardinality, share missing, action and reason.
    feature_names_in_ : list of str
        The raw columns, in the order seen at fit (``transform`` matches them by name).
    numeric_columns_, datetime_columns_, categorical_columns_, text_columns_ : list of str
    dropped_columns_ : list of str
        Identifiers, constant and all-missing columns, and those named in ``drop``.
    imputed_columns_ : list of str
        Used columns that had missing values in the training data (see ``plan_.imputed()``).
    feature_names_out_ : list of str
        Output columns: numeric names as they are, datetime parts as ``"column.part"``,
        indicators and one-hot columns as ``"column=value"`` (``"column=<missing>"``), text
        codes as ``"column.svdK"``.
    column_transformer_ : sklearn ColumnTransformer or None
        The fitted scikit-learn object of the numeric and categorical blocks (None after
        ``from_config``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [20.0, None, 40.0], "city": ["a", "b", "a"]})
    >>> pre = Preprocessor().fit(df)
    >>> pre.feature_names_out_, pre.imputed_columns_
    (['age', 'age=<missing>', 'city=a', 'city=b'], ['age'])
    >>> pre.transform(df).astype(float).round(3).tolist()
    [[-1.225, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.225, 0.0, 1.0, 0.0]]
    >>> from sklearn.base import clone
    >>> hasattr(clone(pre), "feature_names_in_")  # a clone is unfitted
    False
    """

    def __init__(self, dtype=np.float32, *, drop=None, categorical=None, numeric=None, datetime=None, id=None,
                 scaling="standard", cardinality_threshold=CARDINALITY_THRESHOLD, memory_limit=None):
        self.dtype = dtype
        self.drop = drop
        self.categorical = categorical
        self.numeric = numeric
        self.datetime = datetime
        self.id = id
        self.scaling = scaling
        self.cardinality_threshold = cardinality_threshold
        self.memory_limit = memory_limit

    def _check_params(self):
        resolve_dtype(self.dtype)
        if self.scaling not in SCALINGS:
            raise ValueError(f"`scaling` must be one of {list(SCALINGS)}. Received: scaling={self.scaling!r}")
        threshold = self.cardinality_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral) or threshold < 1:
            raise ValueError(f"`cardinality_threshold` must be an integer >= 1. "
                             f"Received: cardinality_threshold={threshold!r}")
        limit = self.memory_limit
        bad_limit = isinstance(limit, bool) or not isinstance(limit, numbers.Real) or limit <= 0
        if limit is not None and bad_limit:
            raise ValueError(f"`memory_limit` must be a positive number of bytes or None. "
                             f"Received: memory_limit={limit!r}")

    def plan(self, X) -> Plan:
        """The column plan for ``X`` with this preprocessor's overrides, without fitting."""
        self._check_params()
        return plan_columns(_as_frame(X), drop=self.drop, categorical=self.categorical, numeric=self.numeric,
                            datetime=self.datetime, id=self.id,
                            cardinality_threshold=int(self.cardinality_threshold))

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import MissingIndicator, SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, RobustScaler, StandardScaler

        self._check_params()
        df = _as_frame(X)
        if df.shape[0] == 0 or df.shape[1] == 0:
            raise ValueError(f"`X` needs at least one row and one column. Received: X with shape {df.shape}")
        names = [str(c) for c in df.columns]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"Column names must be unique. Received: duplicated columns {duplicated}")
        plan = self.plan(df)
        roles = {c.column: c.role for c in plan.columns}
        forced = {c.column for c in plan.columns if c.reason.startswith("set by")}
        frame, sources, kinds = {}, [], {}
        numeric, dates, date_parts, categorical, text = [], [], [], [], []
        text_values = {}
        for name, column in zip(names, df.columns, strict=True):
            series = df[column].reset_index(drop=True)
            role = roles[name]
            if role in ("id", "drop"):
                continue
            kinds[name] = _input_kind(series)
            if role == "numeric":
                frame[name] = _numeric_column(series, name, coerce=name in forced)
                numeric.append(name)
                sources.append((name, None))
            elif role == "datetime":
                matrix, _ = datetime_parts(series)
                # a part that never varies (the hour of dates without times) carries nothing
                keep = [p for j, p in enumerate(DATETIME_PARTS)
                        if p == "epoch_days" or np.nanstd(matrix[:, j]) > 0]
                for j, part in enumerate(DATETIME_PARTS):
                    if part in keep:
                        frame[f"{name}.{part}"] = matrix[:, j]
                        sources.append((name, part))
                dates.append(name)
                date_parts.append(keep)
            elif role == "categorical":
                _check_readable(series, name)
                frame[name] = _categorical_strings(series, kinds[name], name)
                categorical.append(name)
            else:
                _check_readable(series, name)
                text.append(name)
                text_values[name] = text_strings(series)
        if not sources and not categorical and not text:
            raise ValueError("No column is left to learn from: " + "; ".join(
                f"{c.column}: {c.role} ({c.reason})" for c in plan.columns) + ". Declare a column's role "
                "(--numeric, --categorical) or add feature columns. Received: "
                f"columns={names[:20]}")
        features = [name if part is None else f"{name}.{part}" for name, part in sources]
        indicators = [f for f, (name, part) in zip(features, sources, strict=True)
                      if part in (None, "epoch_days") and np.isnan(frame[f]).any()]
        n = df.shape[0]
        widths = {name: 0 for name in names}
        for f, (name, _) in zip(features, sources, strict=True):
            widths[name] += 1 + (f in indicators)
        for name in categorical:
            values = frame[name]
            widths[name] = int(pd.Series(values).nunique(dropna=False))
        for name in text:
            widths[name] = min(TEXT_COMPONENTS, max(1, len(set(text_values[name])) - 1))
        check_memory(n, widths, resolve_dtype(self.dtype).itemsize, self.memory_limit)

        data = pd.DataFrame({c: pd.Series(frame[c], dtype=frame[c].dtype) for c in features + categorical})
        scaler = [StandardScaler()] if self.scaling == "standard" else [
            RobustScaler(), FunctionTransformer(smooth_clip, feature_names_out="one-to-one")]
        transformers = []
        if features:
            transformers.append(("num", make_pipeline(
                SimpleImputer(strategy="median", keep_empty_features=True), *scaler), features))
        if indicators:
            transformers.append(("ind", MissingIndicator(features="all"), indicators))
        if categorical:
            transformers.append(("cat", make_pipeline(
                SimpleImputer(strategy="constant", fill_value=MISSING, keep_empty_features=True),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float64)), categorical))
        ct = None
        if transformers:
            ct = ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)
            ct.fit(data)
        self.column_transformer_ = ct
        self.plan_ = plan
        self.feature_names_in_ = names
        self.n_features_in_ = len(names)
        self.input_kinds_ = kinds
        self.numeric_columns_ = numeric
        self.datetime_columns_ = dates
        self.datetime_parts_ = date_parts
        self.categorical_columns_ = categorical
        self.text_columns_ = text
        self.dropped_columns_ = [c.column for c in plan.columns if c.role in ("id", "drop")]
        self.numeric_sources_ = sources
        self.numeric_features_ = features
        self.indicator_features_ = indicators
        self.imputed_columns_ = [c.column for c in plan.columns
                                 if c.role not in ("id", "drop") and c.missing_share > 0]
        if features:
            imputer, fitted = (step for _, step in ct.named_transformers_["num"].steps[:2])
            centre = fitted.mean_ if self.scaling == "standard" else fitted.center_
            self.medians_ = [float(v) for v in imputer.statistics_]
            self.means_ = [float(v) for v in centre]
            self.scales_ = [float(v) for v in fitted.scale_]
        else:
            self.medians_, self.means_, self.scales_ = [], [], []
        if categorical:
            encoder = ct.named_transformers_["cat"].steps[1][1]
            self.fill_values_ = [MISSING] * len(categorical)
            self.categories_ = [[str(v) for v in cats] for cats in encoder.categories_]
        else:
            self.fill_values_, self.categories_ = [], []
        self.text_states_ = [fit_text(text_values[name], seed=0) for name in text]
        self._set_names_out()
        return self

    def _set_names_out(self):
        pairs = zip(self.categorical_columns_, self.categories_, strict=True)
        one_hot = [f"{col}={cat}" for col, cats in pairs for cat in cats]
        missing = [f"{self._source_of(f)}={MISSING}" for f in self.indicator_features_]
        text = [f"{col}.svd{k}" for col, state in zip(self.text_columns_, self.text_states_, strict=True)
                for k in range(state["components"].shape[0])]
        self.feature_names_out_ = list(self.numeric_features_) + missing + one_hot + text

    def _source_of(self, feature):
        return self.numeric_sources_[self.numeric_features_.index(feature)][0]

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The output column names (``feature_names_out_``) as an object array, as scikit-learn expects."""
        self._check_fitted()
        return np.asarray(self.feature_names_out_, dtype=object)

    # ------------------------------------------------------------------ transform
    def _check_fitted(self):
        if not hasattr(self, "feature_names_in_"):
            raise ValueError("This Preprocessor is not fitted yet; call fit(X) first. Received: fitted=False")

    def _output_widths(self) -> dict:
        widths = {}
        for f, (name, _) in zip(self.numeric_features_, self.numeric_sources_, strict=True):
            widths[name] = widths.get(name, 0) + 1 + (f in self.indicator_features_)
        for name, cats in zip(self.categorical_columns_, self.categories_, strict=True):
            widths[name] = len(cats)
        for name, state in zip(self.text_columns_, self.text_states_, strict=True):
            widths[name] = state["components"].shape[0]
        return widths

    def transform(self, X):
        """The preprocessed matrix of ``X``; columns matched by name, extra ones ignored with a warning.

        Warns :class:`~ridgeback.tabular.limits.UnseenValuesWarning` once, with per-column
        counts, when levels or types differ from those seen at fit.
        """
        self._check_fitted()
        df = _as_frame(X, self.feature_names_in_)
        if df.shape[0] == 0:
            raise ValueError(f"`X` has no rows. Received: X with shape {df.shape}")
        given = {str(c): c for c in df.columns}
        dropped = set(getattr(self, "dropped_columns_", []))
        missing = [n for n in self.feature_names_in_ if n not in given and n not in dropped]
        if missing:
            raise ValueError(f"Columns seen at fit are missing: {missing}. Expected the columns "
                             f"{[n for n in self.feature_names_in_ if n not in dropped]}. "
                             f"Received: columns={list(given)}")
        extra = [n for n in given if n not in set(self.feature_names_in_)]
        if extra:
            warnings.warn(f"Ignoring columns not seen at fit: {extra}", UserWarning, stacklevel=2)
        n = df.shape[0]
        dtype = resolve_dtype(self.dtype)
        check_memory(n, self._output_widths(), dtype.itemsize, self.memory_limit)
        kinds = self.input_kinds_  # None for a model saved before column plans: nothing is mapped or counted
        counts = {}
        out = np.empty((n, len(self.feature_names_out_)), dtype=dtype)
        raw = {}
        for name, part in self.numeric_sources_:
            if name in raw:
                continue
            series = df[given[name]].reset_index(drop=True)
            tally = counts.setdefault(name, {})
            if part is None:
                if kinds is None and is_categorical_dtype(series) and series.dtype.kind != "O":
                    raise ValueError(f"Column {name!r} was numeric at fit but holds {series.dtype} values. "
                                     f"Received: {name} of dtype {series.dtype}")
                forced = kinds is not None and self._forced(name)
                raw[name] = {None: _numeric_column(series, name, coerce=forced, counts=tally,
                                                   from_text=kinds is None or kinds[name] != "number")}
            else:
                raw[name] = self._datetime_values(series, name, tally)
        for j, (name, part) in enumerate(self.numeric_sources_):
            column = raw[name][part].copy()
            holes = np.isnan(column)
            expected = self.numeric_features_[j] in self.indicator_features_ or kinds is None
            if holes.any() and not expected:
                counts[name]["missing"] = counts[name].get("missing", 0) + int(holes.sum())
            column = np.where(holes, self.medians_[j], column)
            column -= self.means_[j]
            column /= self.scales_[j]
            if self.scaling == "robust":
                column = smooth_clip(column)
            out[:, j] = column
        offset = len(self.numeric_sources_)
        for feature in self.indicator_features_:
            name, part = self.numeric_sources_[self.numeric_features_.index(feature)]
            out[:, offset] = np.isnan(raw[name][part])
            offset += 1
        blocks = zip(self.categorical_columns_, self.fill_values_, self.categories_, strict=True)
        for name, fill, cats in blocks:
            tally = counts.setdefault(name, {})
            values = _categorical_strings(df[given[name]].reset_index(drop=True),
                                          None if kinds is None else kinds[name], name, tally)
            holes = pd.isna(values)
            values[holes] = fill
            lookup = {c: i for i, c in enumerate(cats)}
            index = np.array([lookup.get(v, -1) for v in values], dtype=np.intp)
            known = index >= 0
            if not known.all():
                unseen = int((~known & ~holes).sum())
                if unseen:
                    tally["unseen level"] = unseen
                if (~known & holes).any():
                    tally["missing"] = int((~known & holes).sum())
            block = out[:, offset:offset + len(cats)]
            block[...] = 0.0
            block[np.flatnonzero(known), index[known]] = 1.0
            offset += len(cats)
        for name, state in zip(self.text_columns_, self.text_states_, strict=True):
            codes = encode_text(text_strings(df[given[name]].reset_index(drop=True)), state)
            out[:, offset:offset + codes.shape[1]] = codes
            offset += codes.shape[1]
        counts = {c: k for c, k in counts.items() if k}
        if counts:
            warnings.warn(UnseenValuesWarning(counts), stacklevel=2)
        return out

    def _forced(self, name) -> bool:
        return any(c.column == name and c.reason.startswith("set by") for c in self.plan_.columns)

    def _datetime_values(self, series, name, tally) -> dict:
        parts = self.datetime_parts_[self.datetime_columns_.index(name)]
        matrix, unparsed = datetime_parts(series, parts)
        if unparsed.any():
            if not self._forced(name):
                row = int(np.flatnonzero(unparsed)[0])
                value = series.iloc[row]
                raise ValueError(f"Column {name!r} held dates at fit but row {row} holds {value!r}, which "
                                 f"cannot be read as a date. Received: {name}={value!r}")
            tally["not a date"] = int(unparsed.sum())
        return dict(zip(parts, matrix.T, strict=True))

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Everything learned, as a JSON-able dict (no pickle); arrays are named, see :meth:`get_arrays`."""
        self._check_fitted()
        arrays = self.get_arrays()
        return {
            "version": CONFIG_VERSION,
            "dtype": resolve_dtype(self.dtype).name,
            "params": {"drop": self.drop, "categorical": self.categorical, "numeric": self.numeric,
                       "datetime": self.datetime, "id": self.id, "scaling": self.scaling,
                       "cardinality_threshold": int(self.cardinality_threshold),
                       "memory_limit": None if self.memory_limit is None else int(self.memory_limit)},
            "plan": self.plan_.to_list(),
            "feature_names_in": list(self.feature_names_in_),
            "input_kinds": dict(self.input_kinds_),
            "imputed_columns": list(self.imputed_columns_),
            "numeric": {"columns": list(self.numeric_columns_),
                        "sources": [[name, part] for name, part in self.numeric_sources_],
                        "medians": list(self.medians_), "means": list(self.means_),
                        "scales": list(self.scales_),
                        "indicators": list(self.indicator_features_)},
            "datetime": {"columns": list(self.datetime_columns_),
                         "parts": [list(p) for p in self.datetime_parts_]},
            "categorical": {"columns": list(self.categorical_columns_),
                            "fill_values": list(self.fill_values_),
                            "categories": [list(c) for c in self.categories_]},
            "text": {"columns": list(self.text_columns_), "hash_width": HASH_WIDTH},
            "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in arrays.items()},
        }

    def get_arrays(self) -> dict:
        """The learned arrays (text encodings), ``{name: float64 ndarray}``, for ``weights.npz``."""
        self._check_fitted()
        return {f"text.{i}.{key}": np.asarray(state[key], dtype=np.float64)
                for i, state in enumerate(self.text_states_)
                for key in ("idf", "components", "means", "scales")}

    @classmethod
    def from_config(cls, config: dict, arrays=None) -> Preprocessor:
        """Rebuild a fitted preprocessor from :meth:`get_config`'s dict (and :meth:`get_arrays`'s
        arrays), checking every field. Configs written before column plans (no ``version``) load
        as they were: numeric and categorical columns, imputed and scaled as then."""
        from .config import read_config

        return read_config(cls, config, arrays or {})

    def __repr__(self):
        shown = [f"dtype={resolve_dtype(self.dtype).name!r}"]
        defaults = {"drop": None, "categorical": None, "numeric": None, "datetime": None, "id": None,
                    "scaling": "standard", "cardinality_threshold": CARDINALITY_THRESHOLD,
                    "memory_limit": None}
        shown += [f"{k}={getattr(self, k)!r}" for k, v in defaults.items() if getattr(self, k) != v]
        return f"Preprocessor({', '.join(shown)})"
