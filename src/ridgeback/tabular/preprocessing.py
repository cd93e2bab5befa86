r"""``Preprocessor``: raw DataFrame columns in, a float32 matrix for the network out.

Fitted on the training rows only, with scikit-learn's ``ColumnTransformer``:

* numeric columns: ``SimpleImputer(strategy="median")`` then ``StandardScaler``,
  :math:`z = (x - \mu) / \sigma` (a zero :math:`\sigma` is taken as 1);
* categorical columns (object, string, category, bool): ``SimpleImputer("most_frequent")``
  then ``OneHotEncoder(handle_unknown="ignore")`` (an unseen category gives all zeros).
  Categorical values are compared as strings, so ``1`` and ``"1"`` are one category.

What was learned (medians, means, scales, categories) is then read off the fitted
transformers into plain lists: ``transform`` applies those numbers, and ``get_config()`` /
``from_config()`` carry them through JSON, so a loaded preprocessor transforms exactly as
the fitted one did. The tests check that this equals the ``ColumnTransformer``'s output.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from .._util.validation import resolve_dtype

__all__ = ["Preprocessor"]

#: an object column whose values are at least this share numbers is taken as a numeric column gone wrong
_NUMERIC_SHARE = 0.5


def _as_frame(X, columns=None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(f"`X` must be a DataFrame or a 2-D array. Received: X with shape {array.shape}")
    names = columns if columns is not None and len(columns) == array.shape[1] else [
        f"x{i}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=names)


def _is_categorical(series: pd.Series) -> bool:
    dtype = series.dtype
    return (isinstance(dtype, pd.CategoricalDtype) or dtype.kind in "bOSU"
            or pd.api.types.is_string_dtype(dtype))


def _categorical_strings(series: pd.Series) -> np.ndarray:
    """Values as an object array of str, missing values as NaN."""
    values = series.astype(object).to_numpy()
    missing = pd.isna(values)
    return np.array([np.nan if m else str(v) for v, m in zip(values, missing, strict=True)], dtype=object)


def _numeric_column(series: pd.Series, name) -> np.ndarray:
    """The column as float64, refusing text that is not a number and infinities (naming the row)."""
    if series.dtype.kind in "iuf":
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        coerced = pd.to_numeric(series, errors="coerce")
        bad = coerced.isna().to_numpy() & ~series.isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"Column {name!r} is numeric but row {row} holds {series.iloc[row]!r}, which is "
                             f"not a number ({int(bad.sum())} row(s) like this). "
                             f"Received: {name}={series.iloc[row]!r}")
        values = coerced.to_numpy(dtype=np.float64, na_value=np.nan)
    inf = np.isinf(values)
    if inf.any():
        row = int(np.flatnonzero(inf)[0])
        raise ValueError(f"Column {name!r} has an infinite value at row {row}; expected finite numbers or "
                         f"missing values. Received: {name}={values[row]}")
    return values


class Preprocessor(TransformerMixin, BaseEstimator):
    """Impute, scale and one-hot encode a DataFrame's columns into a float matrix.

    A scikit-learn transformer: ``__init__`` only stores ``dtype``, so ``clone``,
    ``get_params`` / ``set_params`` and ``Pipeline`` work. Inside a cross-validation search,
    put it in a ``Pipeline`` before the network so that every fold fits its own medians,
    means, scales and categories on its training rows only (no leakage into the held-out fold).

    Parameters
    ----------
    dtype : float32 or float64
        Dtype of the output matrix.

    Attributes
    ----------
    feature_names_in_ : list of str
        The raw columns, in the order seen at fit (``transform`` matches them by name).
    numeric_columns_, categorical_columns_ : list of str
    imputed_columns_ : list of str
        Columns that had missing values in the training data (filled with the median or
        the most frequent value).
    feature_names_out_ : list of str
        Output columns: numeric names as they are, one-hot columns as ``"column=value"``.
    column_transformer_ : sklearn ColumnTransformer or None
        The fitted scikit-learn object (None after ``from_config``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [20.0, None, 40.0], "city": ["a", "b", "a"]})
    >>> pre = Preprocessor().fit(df)
    >>> pre.feature_names_out_, pre.imputed_columns_
    (['age', 'city=a', 'city=b'], ['age'])
    >>> pre.transform(df).astype(float).round(3).tolist()
    [[-1.225, 1.0, 0.0], [0.0, 0.0, 1.0], [1.225, 1.0, 0.0]]
    >>> from sklearn.base import clone
    >>> hasattr(clone(pre), "feature_names_in_")  # a clone is unfitted
    False
    """

    def __init__(self, dtype=np.float32):
        self.dtype = dtype

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        resolve_dtype(self.dtype)
        df = _as_frame(X)
        if df.shape[0] == 0 or df.shape[1] == 0:
            raise ValueError(f"`X` needs at least one row and one column. Received: X with shape {df.shape}")
        names = [str(c) for c in df.columns]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"Column names must be unique. Received: duplicated columns {duplicated}")
        numeric, categorical, frame = [], [], {}
        for name, column in zip(names, df.columns, strict=True):
            series = df[column].reset_index(drop=True)
            if _is_categorical(series):
                if series.dtype.kind == "O" and self._looks_numeric(series):
                    frame[name] = _numeric_column(series, name)  # raises, naming the row that is not a number
                    numeric.append(name)
                    continue
                self._check_readable(series, name)
                frame[name] = _categorical_strings(series)
                categorical.append(name)
            elif series.dtype.kind in "iuf":
                frame[name] = _numeric_column(series, name)
                numeric.append(name)
            else:
                raise ValueError(f"Column {name!r} has dtype {series.dtype}, which cannot be read as "
                                 f"numbers or "
                                 f"categories; convert or drop it. Received: {name} of dtype {series.dtype}")
        data = pd.DataFrame({n: pd.Series(frame[n], dtype=frame[n].dtype) for n in names})
        transformers = []
        if numeric:
            transformers.append(("num", make_pipeline(
                SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()), numeric))
        if categorical:
            transformers.append(("cat", make_pipeline(
                SimpleImputer(strategy="most_frequent", keep_empty_features=True),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float64)), categorical))
        ct = ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)
        ct.fit(data)
        self.column_transformer_ = ct
        self.feature_names_in_ = names
        self.n_features_in_ = len(names)
        self.numeric_columns_ = numeric
        self.categorical_columns_ = categorical
        self.imputed_columns_ = [n for n in names if pd.isna(data[n]).any()]
        if numeric:
            imputer, scaler = (step for _, step in ct.named_transformers_["num"].steps)
            self.medians_ = [float(v) for v in imputer.statistics_]
            self.means_ = [float(v) for v in scaler.mean_]
            self.scales_ = [float(v) for v in scaler.scale_]
        else:
            self.medians_, self.means_, self.scales_ = [], [], []
        if categorical:
            imputer, encoder = (step for _, step in ct.named_transformers_["cat"].steps)
            self.fill_values_ = [str(v) for v in imputer.statistics_]
            self.categories_ = [[str(v) for v in cats] for cats in encoder.categories_]
        else:
            self.fill_values_, self.categories_ = [], []
        self._set_names_out()
        return self

    @staticmethod
    def _looks_numeric(series: pd.Series) -> bool:
        present = series.dropna()
        if present.empty or not all(isinstance(v, str) for v in present.iloc[:1000]):
            return False
        share = pd.to_numeric(present, errors="coerce").notna().mean()
        return share >= _NUMERIC_SHARE

    @staticmethod
    def _check_readable(series: pd.Series, name):
        for row, value in enumerate(series.to_numpy()):
            if value is None or isinstance(value, (str, bool, np.bool_, int, float, np.integer, np.floating)):
                continue
            raise ValueError(f"Column {name!r} holds a value of type {type(value).__name__} at row "
                             f"{row}, which "
                             f"cannot be read as a number or category. Received: {name}={value!r}")

    def _set_names_out(self):
        pairs = zip(self.categorical_columns_, self.categories_, strict=True)
        one_hot = [f"{col}={cat}" for col, cats in pairs for cat in cats]
        self.feature_names_out_ = list(self.numeric_columns_) + one_hot

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

    def transform(self, X):
        """The preprocessed matrix of ``X``; columns matched by name, extra ones ignored with a warning."""
        self._check_fitted()
        df = _as_frame(X, self.feature_names_in_)
        if df.shape[0] == 0:
            raise ValueError(f"`X` has no rows. Received: X with shape {df.shape}")
        given = {str(c): c for c in df.columns}
        missing = [n for n in self.feature_names_in_ if n not in given]
        if missing:
            raise ValueError(f"Columns seen at fit are missing: {missing}. Expected the columns "
                             f"{self.feature_names_in_}. Received: columns={list(given)}")
        extra = [n for n in given if n not in set(self.feature_names_in_)]
        if extra:
            warnings.warn(f"Ignoring columns not seen at fit: {extra}", UserWarning, stacklevel=2)
        n = df.shape[0]
        out = np.empty((n, len(self.feature_names_out_)), dtype=np.float64)
        for j, name in enumerate(self.numeric_columns_):
            series = df[given[name]].reset_index(drop=True)
            if _is_categorical(series) and series.dtype.kind != "O":
                raise ValueError(f"Column {name!r} was numeric at fit but holds {series.dtype} values. "
                                 f"Received: {name} of dtype {series.dtype}")
            column = _numeric_column(series, name)
            column = np.where(np.isnan(column), self.medians_[j], column)
            column -= self.means_[j]
            column /= self.scales_[j]
            out[:, j] = column
        offset = len(self.numeric_columns_)
        blocks = zip(self.categorical_columns_, self.fill_values_, self.categories_, strict=True)
        for name, fill, cats in blocks:
            values = _categorical_strings(df[given[name]].reset_index(drop=True))
            values[pd.isna(values)] = fill
            lookup = {c: i for i, c in enumerate(cats)}
            block = np.zeros((n, len(cats)))
            index = np.array([lookup.get(v, -1) for v in values], dtype=np.intp)
            known = index >= 0
            block[np.flatnonzero(known), index[known]] = 1.0
            out[:, offset:offset + len(cats)] = block
            offset += len(cats)
        return out.astype(resolve_dtype(self.dtype), copy=False)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Everything learned, as a JSON-able dict (no pickle)."""
        self._check_fitted()
        return {
            "dtype": resolve_dtype(self.dtype).name,
            "feature_names_in": list(self.feature_names_in_),
            "imputed_columns": list(self.imputed_columns_),
            "numeric": {"columns": list(self.numeric_columns_), "medians": list(self.medians_),
                        "means": list(self.means_), "scales": list(self.scales_)},
            "categorical": {"columns": list(self.categorical_columns_),
                            "fill_values": list(self.fill_values_),
                            "categories": [list(c) for c in self.categories_]},
        }

    @classmethod
    def from_config(cls, config: dict) -> Preprocessor:
        """Rebuild a fitted preprocessor from :meth:`get_config`'s dict, checking every field."""
        def fail(field, expected, value):
            raise ValueError(f"Invalid preprocessing config: `{field}` must be {expected}. "
                             f"Received: {field}={value!r}"[:500])

        def str_list(field, value):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                fail(field, "a list of strings", value)
            return list(value)

        def number_list(field, value, n, positive=False):
            if (not isinstance(value, list) or len(value) != n
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                               for v in value)):
                fail(field, f"a list of {n} finite numbers", value)
            if positive and any(v <= 0 for v in value):
                fail(field, "positive", value)
            return [float(v) for v in value]

        if not isinstance(config, dict):
            fail("preprocessing", "a dict", config)
        num, cat = config.get("numeric"), config.get("categorical")
        if not isinstance(num, dict) or not isinstance(cat, dict):
            fail("numeric/categorical", "dicts", (type(num).__name__, type(cat).__name__))
        dtype = config.get("dtype")
        if dtype not in ("float32", "float64"):
            fail("dtype", "'float32' or 'float64'", dtype)
        self = cls(dtype=dtype)
        self.feature_names_in_ = str_list("feature_names_in", config.get("feature_names_in"))
        self.n_features_in_ = len(self.feature_names_in_)
        self.imputed_columns_ = str_list("imputed_columns", config.get("imputed_columns"))
        self.numeric_columns_ = str_list("numeric.columns", num.get("columns"))
        k = len(self.numeric_columns_)
        self.medians_ = number_list("numeric.medians", num.get("medians"), k)
        self.means_ = number_list("numeric.means", num.get("means"), k)
        self.scales_ = number_list("numeric.scales", num.get("scales"), k, positive=True)
        self.categorical_columns_ = str_list("categorical.columns", cat.get("columns"))
        m = len(self.categorical_columns_)
        self.fill_values_ = str_list("categorical.fill_values", cat.get("fill_values"))
        categories = cat.get("categories")
        if not isinstance(categories, list) or len(categories) != m or len(self.fill_values_) != m:
            fail("categorical.categories", f"a list of {m} lists", categories)
        self.categories_ = [str_list(f"categorical.categories[{i}]", c) for i, c in enumerate(categories)]
        if sorted(self.numeric_columns_ + self.categorical_columns_) != sorted(self.feature_names_in_) or \
                len(set(self.feature_names_in_)) != len(self.feature_names_in_):
            fail("feature_names_in", "the numeric and categorical columns, each once", self.feature_names_in_)
        self.column_transformer_ = None
        self._set_names_out()
        return self

    def __repr__(self):
        return f"Preprocessor(dtype={resolve_dtype(self.dtype).name!r})"
