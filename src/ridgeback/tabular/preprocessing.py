r"""``Preprocessor``: raw DataFrame columns in, a float matrix for the network out.

First every column gets a role (:mod:`ridgeback.tabular.columns`: numeric, categorical,
text, datetime, identifier or dropped, overridable by name). Then, fitted on the training
rows only:

* numeric columns, and the parts of datetime columns: ``SimpleImputer(strategy="median")``
  then ``StandardScaler``, :math:`z = (x - \mu) / \sigma` (a zero :math:`\sigma` is taken as 1),
  or with ``scaling="robust"`` ``RobustScaler`` (median, interquartile range) followed by
  the smooth clip :math:`z / \sqrt{1 + (z/3)^2}`, which keeps outliers within about
  :math:`\pm 3`, or with ``scaling="quantile"`` mapped through the training rows' empirical
  distribution onto a standard normal (:mod:`ridgeback.tabular.quantiles`). A column that had
  missing values in training also gets a 0/1 indicator
  column ``"name=<missing>"``: missing is information, not just a hole to fill;
* categorical columns: a missing value is its own level ``"<missing>"``, then
  ``OneHotEncoder(handle_unknown="ignore")``. Values are compared as strings, so ``1`` and
  ``"1"`` are one level; a boolean column arriving as 0/1, or codes arriving as numbers, are
  mapped back and counted. A column whose levels were spelled several ways in training
  (``Male``, `` male``) is compared ignoring case and spaces (:mod:`.spellings`);
* text columns: a fixed-width code (:mod:`ridgeback.tabular.encoders`);
* entity columns (an identifier whose values repeat: a person or a customer of a panel): each
  level's mean target, the training rows' out of fold (:mod:`ridgeback.tabular.target_encoding`).
  Only these need the target: ``fit(X, y)``.

What was learned (medians, means, scales, categories, entity codes, text arrays) is then read off into
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
from ..engine.feature_groups import with_feature_groups
from .blocks import (
    CLIP_MARGIN,
    MISSING,
    check_magnitudes,
    clip_bounds,
    fit_blocks,
    fit_quantiles,
    read_statistics,
)
from .columns import (
    CARDINALITY_THRESHOLD,
    Plan,
    plan_columns,
)
from .config import read_config, write_config
from .encoders import TEXT_COMPONENTS, fit_text
from .limits import UnseenValuesWarning, check_memory, output_widths
from .scalings import SCALINGS
from .target_encoding import (
    TARGET_TYPES,
    entity_names,
    entity_target,
    entity_width,
    fit_entities,
    rows_digest,
)
from .transform_blocks import (
    encode_categorical,
    encode_entities,
    encode_numeric,
    encode_texts,
    encode_value_counts,
    entity_offset,
    read_numeric,
)
from .value_counts import count_name, fit_counts
from .values import (
    as_frame,
    read_columns,
    training_frame,
)

__all__ = ["Preprocessor", "MISSING", "CLIP_MARGIN"]


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
    drop, categorical, numeric, datetime, id, entity : list of str, optional
        Columns whose role is set by hand (see :func:`~ridgeback.tabular.columns.plan_columns`):
        ``drop`` and ``id`` are left out; ``categorical`` is one-hot encoded whatever its
        number of levels; ``numeric`` and ``datetime`` read values that are not numbers /
        dates as missing instead of refusing them; ``entity`` is encoded by each level's mean
        target, out of fold (:mod:`~ridgeback.tabular.target_encoding`).
    scaling : {"standard", "robust", "quantile"}
        ``"standard"``: mean and standard deviation. ``"robust"``: median and interquartile
        range, then the smooth clip :math:`z / \\sqrt{1 + (z/3)^2}`. ``"quantile"``: each value's
        rank among the training rows, as a standard normal quantile
        (:mod:`~ridgeback.tabular.quantiles`; Gorishniy et al.'s preprocessing).
    cardinality_threshold : int
        A string column with more distinct values than this is encoded as text, not one-hot.
    memory_limit : int or None
        Bytes the output matrix may take; None: a quarter of the machine's memory
        (:func:`~ridgeback.tabular.limits.default_memory_limit`). Checked before allocating.
    clip : bool, default=True
        Clip each numeric feature of the rows to transform to the range it had on the training
        rows (imputed and scaled), widened by half that range's width on each side
        (:data:`CLIP_MARGIN`; the bounds are ``lows_``, ``highs_``). A network extrapolates beyond
        the training range without bound (a tree does not): one value far out, a data error such
        as a mileage 2.4 ranges above any seen, would move its prediction as far; a value a
        little beyond, a store somewhat larger than any seen, keeps its extrapolation.
    group_codes : bool, default=True
        Integer columns named like a group (``county``, ``townid``, ``school_id``, ``site``,
        ``litter``) whose 3 to ``GROUP_MAX_LEVELS`` values repeat are one-hot, as codes of
        groups; False reads them as numbers.
        ``ridgeback tune`` chooses by cross-validating the linear baseline both ways.
    named_codes : bool, default=True
        Group codes are also those of a column named like one entity (``subject``, ``family``;
        not ``workers``, which often counts them) or like an experiment's or a sample's unit
        (``site``, ``litter``, ``stratum``, ``tree``), and codes written as strings in a
        column so named or named like a group (``136A`` among numbers, ``F017``), 3 to
        ``GROUP_MAX_LEVELS`` levels of two rows or more on average: one-hot while
        ``group_codes``, else numbers, entities or text as before. And integers named ``id``
        that are neither group codes nor an entity (most seen once) are an identifier, dropped,
        not a number, and so are distinct integers named like a row's number (``obs``, ``case``,
        ``idcase``, ``record_no``) though a shuffled split puts them out of row order. Models
        saved before this parameter load with False, and read such
        columns as they were fitted (two groups one-hot too).
    many_levels : bool, default=True
        A string column of more than ``cardinality_threshold`` levels whose levels repeat (a
        state, a country, a team: ``REPEATED_LEVEL_ROWS`` rows per level on average, at most
        ``GROUP_MAX_LEVELS`` levels) is one-hot; False encodes it as text. Models saved before
        this parameter load with False, as they were fitted.
    periods : bool, default=True
        An integer column named like a period (``year``, ``quarter``, ``wave``) with 3 to
        ``cardinality_threshold`` values, each repeated, is read as a number (its trend) and
        one-hot too (the shocks every row of one period shares: a recession, a new law). False
        reads it as a number only. Models saved before this parameter load with False.
    entities : bool, default=True
        An identifier whose values repeat (named like an id, a group or an entity: ``id``,
        ``subject``, ``nr``), with more levels than one-hot takes, is encoded by each level's
        mean target, out of fold: a person or a customer followed over several rows. False reads
        it as before (numbers, or text). Models saved before this parameter load with False.
    value_counts : bool, default=True
        A heaped number (some values held by many more rows than those beside them: hours heaped
        on 40, an income recorded in brackets beside computed values) keeps its number and gets a second
        feature, ``"column.count"``: the logarithm of how many training rows hold its value
        (:mod:`~ridgeback.tabular.value_counts`). False reads it as a number only. Models
        saved before this parameter load with False.
    target_type : {"auto", "continuous", "binary", "multiclass"}
        What the target given to ``fit`` is, for the entity columns' encoding: "auto" reads a
        float target as continuous and any other as classes
        (:func:`~ridgeback.tabular.target_encoding.target_type_of`).
    text_left_out : list of str, optional
        Columns to leave out if they are read as text (their reason in the plan says why).
        ``ridgeback tune`` names the text columns whose character n-gram codes do not clearly
        improve the linear baseline's cross-validated score: names of districts or products,
        unique per row, are noise to a model fitted on a few hundred rows.

    Attributes
    ----------
    plan_ : Plan
        Every raw column's role, cardinality, share missing, action and reason.
    feature_names_in_ : list of str
        The raw columns, in the order seen at fit (``transform`` matches them by name).
    numeric_columns_, datetime_columns_, categorical_columns_, text_columns_, entity_columns_ : list of str
    count_columns_ : list of str
        The heaped numeric columns that have a ``"column.count"`` feature (``value_counts``).
    count_states_ : list of dict
        Per count column, the values seen at fit, how many training rows hold each, and the
        standardization of the codes (:func:`~ridgeback.tabular.value_counts.fit_counts`).
    entity_states_ : list of dict
        Per entity column, its levels, each level's code on all training rows, the prior (the
        code of a level never seen), the standardization and, for classes, the class of each
        output column (:func:`~ridgeback.tabular.target_encoding.fit_entity`).
    dropped_columns_ : list of str
        Identifiers, constant and all-missing columns, and those named in ``drop``.
    imputed_columns_ : list of str
        Used columns that had missing values in the training data (see ``plan_.imputed()``).
    quantiles_ : ndarray of shape (n_knots, n_numeric_features) or None
        With ``scaling="quantile"``: each numeric feature's knots (``means_`` are then 0 and
        ``scales_`` 1); ``quantile_rows_`` is the number of training rows they were read from.
    feature_names_out_ : list of str
        Output columns: numeric names as they are, datetime parts as ``"column.part"``,
        indicators and one-hot columns as ``"column=value"`` (``"column=<missing>"``), entity
        codes as ``"column.target_mean"`` (one per class: ``"column.target_mean=class"``), text
        codes as ``"column.svdK"``, value counts as ``"column.count"``.
    feature_groups_ : list of str
        For each output column, the raw column it comes from: a column's one-hot columns,
        its missing indicator, its date parts or text codes share its name. ``fit_transform``
        hands them to the network with the matrix, so that ``group_l1`` keeps or removes a raw
        column as a whole and ``selected_features`` names raw columns.
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
    >>> pre.feature_groups_
    ['age', 'age', 'city', 'city']
    >>> pre.transform(df).astype(float).round(3).tolist()
    [[-1.225, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.225, 0.0, 1.0, 0.0]]
    >>> from sklearn.base import clone
    >>> hasattr(clone(pre), "feature_names_in_")  # a clone is unfitted
    False
    """

    def __init__(self, dtype=np.float32, *, drop=None, categorical=None, numeric=None, datetime=None, id=None,
                 scaling="standard", cardinality_threshold=CARDINALITY_THRESHOLD, memory_limit=None,
                 group_codes=True, clip=True, text_left_out=None, many_levels=True, entity=None,
                 entities=True, target_type="auto", periods=True, named_codes=True, value_counts=True):
        self.dtype = dtype
        self.drop = drop
        self.categorical = categorical
        self.numeric = numeric
        self.datetime = datetime
        self.id = id
        self.scaling = scaling
        self.cardinality_threshold = cardinality_threshold
        self.memory_limit = memory_limit
        self.group_codes = group_codes
        self.clip = clip
        self.text_left_out = text_left_out
        self.many_levels = many_levels
        self.entity = entity
        self.entities = entities
        self.target_type = target_type
        self.periods = periods
        self.named_codes = named_codes
        self.value_counts = value_counts

    def _check_params(self):
        resolve_dtype(self.dtype)
        if self.scaling not in SCALINGS:
            raise ValueError(f"`scaling` must be one of {list(SCALINGS)}. Received: scaling={self.scaling!r}")
        threshold = self.cardinality_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral) or threshold < 1:
            raise ValueError(f"`cardinality_threshold` must be an integer >= 1. "
                             f"Received: cardinality_threshold={threshold!r}")
        if self.target_type not in TARGET_TYPES:
            raise ValueError(f"`target_type` must be one of {list(TARGET_TYPES)}. "
                             f"Received: target_type={self.target_type!r}")
        flags = ("group_codes", "clip", "many_levels", "entities", "periods", "named_codes", "value_counts")
        for name in flags:
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"`{name}` must be True or False. Received: {name}={getattr(self, name)!r}")
        left_out = self.text_left_out
        try:
            names = left_out is None or (not isinstance(left_out, str)
                                         and all(isinstance(c, str) for c in left_out))
        except TypeError:  # not iterable
            names = False
        if not names:
            raise ValueError(f"`text_left_out` must be a list of column names or None. "
                             f"Received: text_left_out={left_out!r}")
        limit = self.memory_limit
        bad_limit = isinstance(limit, bool) or not isinstance(limit, numbers.Real) or limit <= 0
        if limit is not None and bad_limit:
            raise ValueError(f"`memory_limit` must be a positive number of bytes or None. "
                             f"Received: memory_limit={limit!r}")

    def plan(self, X) -> Plan:
        """The column plan for ``X`` with this preprocessor's overrides, without fitting."""
        self._check_params()
        return plan_columns(as_frame(X), drop=self.drop, categorical=self.categorical, numeric=self.numeric,
                            datetime=self.datetime, id=self.id, entity=self.entity,
                            cardinality_threshold=int(self.cardinality_threshold),
                            group_codes=bool(self.group_codes), text_left_out=self.text_left_out,
                            many_levels=bool(self.many_levels), entities=bool(self.entities),
                            periods=bool(self.periods), named_codes=bool(self.named_codes),
                            value_counts=bool(self.value_counts))

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Learn every column's role and encoding from the training rows ``X``; ``y``, their
        target, is needed only when a column is an entity (its levels are encoded by their mean
        target)."""
        self._check_params()
        df, names = training_frame(X)
        plan = self.plan(df)
        read = read_columns(df, names, plan)
        features = read.features()
        check_magnitudes(read, features)
        indicators = read.indicators(features)
        target_type = entity_target(read.entity, y, df.shape[0], self.target_type)
        blocks = {name: int(pd.Series(read.levels[name]).nunique(dropna=False)) for name in read.categorical}
        blocks.update(dict.fromkeys(read.entity, entity_width(y, target_type)))
        blocks.update({name: min(TEXT_COMPONENTS, max(1, len(set(read.text_values[name])) - 1))
                       for name in read.text})
        counted = [name for name in plan.value_counts() if name in read.numeric]
        blocks.update({count_name(name): 1 for name in counted})
        widths = output_widths(read.sources, features, indicators, blocks, names)
        check_memory(df.shape[0], widths, resolve_dtype(self.dtype).itemsize, self.memory_limit)
        ct = fit_blocks(self.scaling, read, features, indicators)
        self.column_transformer_ = ct
        self._set_columns(plan, names, read, features, indicators)
        stats = read_statistics(ct, self.scaling, len(features), len(read.categorical))
        self.medians_, self.means_, self.scales_ = stats.medians, stats.means, stats.scales
        self.fill_values_, self.categories_ = stats.fill_values, stats.categories
        self.quantiles_, self.quantile_rows_ = fit_quantiles(self.scaling, read, features, self.medians_)
        self.text_states_ = [fit_text(read.text_values[name], seed=0) for name in read.text]
        # the training rows' out-of-fold codes are kept (not saved) for transform_training
        self.entity_states_, self._entity_codes = fit_entities(
            [read.levels[name] for name in read.entity], y, target_type)
        self.count_columns_ = counted
        self.count_states_ = [fit_counts(read.frame[name]) for name in counted]
        self._set_names_out()
        self._set_range(df)
        return self

    def _set_range(self, df):
        """``lows_`` and ``highs_``: each numeric feature's range on the training rows, imputed and
        scaled, widened by :data:`CLIP_MARGIN` of its width on each side; :meth:`transform` clips
        to them (None with ``clip=False``)."""
        self.lows_ = self.highs_ = None
        if not self.clip or not self.numeric_features_:
            return
        block = np.empty((df.shape[0], len(self.numeric_features_) + len(self.indicator_features_)))
        encode_numeric(self, df, {str(c): c for c in df.columns}, {}, block)
        self.lows_, self.highs_ = clip_bounds(block[:, :len(self.numeric_features_)])

    def _set_columns(self, plan, names, read, features, indicators):
        self.plan_ = plan
        self.feature_names_in_ = names
        self.n_features_in_ = len(names)
        self.input_kinds_ = read.kinds
        self.numeric_columns_ = read.numeric
        self.datetime_columns_ = read.dates
        self.datetime_parts_ = read.date_parts
        self.categorical_columns_ = read.categorical
        self.text_columns_ = read.text
        self.entity_columns_ = read.entity
        self.dropped_columns_ = [c.column for c in plan.columns if c.role in ("id", "drop")]
        self.numeric_sources_ = read.sources
        self.numeric_features_ = features
        self.indicator_features_ = indicators
        self.imputed_columns_ = [c.column for c in plan.columns
                                 if c.role not in ("id", "drop") and c.missing_share > 0]

    def _set_names_out(self):
        """``feature_names_out_`` and the raw column each comes from (``feature_groups_``)."""
        pairs = list(zip(self.categorical_columns_, self.categories_, strict=True))
        one_hot = [f"{col}={cat}" for col, cats in pairs for cat in cats]
        missing = [f"{self._source_of(f)}={MISSING}" for f in self.indicator_features_]
        texts = [(col, state["components"].shape[0])
                 for col, state in zip(self.text_columns_, self.text_states_, strict=True)]
        text = [f"{col}.svd{k}" for col, width in texts for k in range(width)]
        entities = [(col, entity_names(col, state))
                    for col, state in zip(self.entity_columns_, self.entity_states_, strict=True)]
        counted = list(self.count_columns_)
        self.feature_names_out_ = (list(self.numeric_features_) + missing + one_hot
                                   + [n for _, out in entities for n in out] + text
                                   + [count_name(col) for col in counted])
        self.feature_groups_ = ([name for name, _ in self.numeric_sources_]
                                + [self._source_of(f) for f in self.indicator_features_]
                                + [col for col, cats in pairs for _ in cats]
                                + [col for col, out in entities for _ in out]
                                + [col for col, width in texts for _ in range(width)] + counted)

    def _source_of(self, feature):
        return self.numeric_sources_[self.numeric_features_.index(feature)][0]

    def fit_transform(self, X, y=None):
        """``fit(X, y).transform(X)``, with the entity columns' codes out of fold
        (:meth:`transform_training`), returned as a
        :class:`~ridgeback.engine.feature_groups.GroupedMatrix` that carries ``feature_groups_``:
        in a ``Pipeline`` the network after this step receives the matrix alone, and learns
        from it which inputs come from one raw column (see ``group_l1``)."""
        return with_feature_groups(self.fit(X, y).transform_training(X), self.feature_groups_)

    def transform_training(self, X):
        """The matrix of the training rows as the model is trained on it: :meth:`transform`, but
        with each entity column's codes out of fold (a row's code never holds its own target)
        and each value count counting the row among the training rows, not besides them.
        ``X`` must be the rows ``fit`` was given (their entity columns are compared); without
        entity columns or value counts this is :meth:`transform`."""
        levels = []
        out = self._transform(X, levels, training=True)
        if not getattr(self, "entity_columns_", []):
            return out
        kept = getattr(self, "_entity_codes", None)
        if kept is None or kept[0] != rows_digest(levels):
            raise ValueError(f"transform_training needs the rows fit was given (the out-of-fold codes of "
                             f"the entity columns {self.entity_columns_} belong to them); use transform for "
                             f"other rows. Received: X with {out.shape[0]} rows that differ")
        start = entity_offset(self)
        out[:, start:start + kept[1].shape[1]] = kept[1]
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The output column names (``feature_names_out_``) as an object array, as scikit-learn expects."""
        self._check_fitted()
        return np.asarray(self.feature_names_out_, dtype=object)

    # ------------------------------------------------------------------ transform
    def _check_fitted(self):
        if not hasattr(self, "feature_names_in_"):
            raise ValueError("This Preprocessor is not fitted yet; call fit(X) first. Received: fitted=False")

    def _output_widths(self) -> dict:
        pairs = zip(self.categorical_columns_, self.categories_, strict=True)
        blocks = {name: len(cats) for name, cats in pairs}
        blocks.update({name: state["values"].shape[1]
                       for name, state in zip(self.entity_columns_, self.entity_states_, strict=True)})
        blocks.update({name: state["components"].shape[0]
                       for name, state in zip(self.text_columns_, self.text_states_, strict=True)})
        blocks.update({count_name(name): 1 for name in self.count_columns_})
        return output_widths(self.numeric_sources_, self.numeric_features_, self.indicator_features_, blocks)

    def transform(self, X):
        """The preprocessed matrix of ``X``; columns matched by name, extra ones ignored with a warning.

        Warns :class:`~ridgeback.tabular.limits.UnseenValuesWarning` once, with per-column
        counts, when levels or types differ from those seen at fit.
        """
        return self._transform(X)

    def _transform(self, X, levels=None, training=False):
        """:meth:`transform`; ``levels`` receives the entity columns' level strings; ``training``:
        the rows are those ``fit`` was given (each value count includes the row). Its warnings
        point at the caller of the public method."""
        self._check_fitted()
        df = as_frame(X, self.feature_names_in_)
        given, extra = self._match_columns(df)
        if extra:
            warnings.warn(f"Ignoring columns not seen at fit: {extra}", UserWarning, stacklevel=3)
        dtype = resolve_dtype(self.dtype)
        check_memory(df.shape[0], self._output_widths(), dtype.itemsize, self.memory_limit)
        counts = {}
        out = np.empty((df.shape[0], len(self.feature_names_out_)), dtype=dtype)
        raw = read_numeric(self, df, given, counts)  # once: the numeric block and the value counts
        offset = encode_numeric(self, df, given, counts, out, raw)
        offset = encode_categorical(self, df, given, counts, out, offset)
        offset = encode_entities(self, df, given, counts, out, offset, levels)
        offset = encode_texts(self, df, given, out, offset)
        encode_value_counts(self, raw, out, offset, training)
        counts = {c: k for c, k in counts.items() if k}
        if counts:
            warnings.warn(UnseenValuesWarning(counts), stacklevel=3)
        return out

    def _match_columns(self, df) -> tuple[dict, list]:
        """``{name: column label}`` of ``df``, refusing missing columns, and the names not seen at fit."""
        if df.shape[0] == 0:
            raise ValueError(f"`X` has no rows. Received: X with shape {df.shape}")
        given = {str(c): c for c in df.columns}
        dropped = set(getattr(self, "dropped_columns_", []))
        missing = [n for n in self.feature_names_in_ if n not in given and n not in dropped]
        if missing:
            raise ValueError(f"Columns seen at fit are missing: {missing}. Expected the columns "
                             f"{[n for n in self.feature_names_in_ if n not in dropped]}. "
                             f"Received: columns={list(given)}")
        return given, [n for n in given if n not in set(self.feature_names_in_)]

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Everything learned, as a JSON-able dict (no pickle); arrays are named, see :meth:`get_arrays`."""
        self._check_fitted()
        return write_config(self, self.get_arrays())

    def get_arrays(self) -> dict:
        """The learned arrays (text encodings, quantile knots, entity codes, value counts), ``{name: float64
        ndarray}``, for
        ``weights.npz``."""
        self._check_fitted()
        arrays = {f"text.{i}.{key}": np.asarray(state[key], dtype=np.float64)
                  for i, state in enumerate(self.text_states_)
                  for key in ("idf", "components", "means", "scales")}
        if self.quantiles_ is not None:
            arrays["numeric.quantiles"] = np.asarray(self.quantiles_, dtype=np.float64)
        for i, state in enumerate(self.entity_states_):
            arrays.update({f"entity.{i}.{key}": np.asarray(state[key], dtype=np.float64)
                           for key in ("values", "prior", "means", "scales")})
        for i, state in enumerate(self.count_states_):
            arrays.update({f"count.{i}.{key}": np.asarray(state[key], dtype=np.float64)
                           for key in ("values", "counts", "means", "scales")})
        return arrays

    @classmethod
    def from_config(cls, config: dict, arrays=None) -> Preprocessor:
        """Rebuild a fitted preprocessor from :meth:`get_config`'s dict (and :meth:`get_arrays`'s
        arrays), checking every field. Configs written before column plans (no ``version``) load
        as they were: numeric and categorical columns, imputed and scaled as then."""
        return read_config(cls, config, arrays or {})

    def __repr__(self):
        shown = [f"dtype={resolve_dtype(self.dtype).name!r}"]
        defaults = {"drop": None, "categorical": None, "numeric": None, "datetime": None, "id": None,
                    "scaling": "standard", "cardinality_threshold": CARDINALITY_THRESHOLD,
                    "memory_limit": None, "group_codes": True, "clip": True, "text_left_out": None,
                    "many_levels": True, "entity": None, "entities": True, "target_type": "auto",
                    "periods": True, "named_codes": True, "value_counts": True}
        shown += [f"{k}={getattr(self, k)!r}" for k, v in defaults.items() if getattr(self, k) != v]
        return f"Preprocessor({', '.join(shown)})"
