"""A fitted :class:`~ridgeback.tabular.preprocessing.Preprocessor` as its JSON config and back:
written by :func:`write_config`, rebuilt by :func:`read_config` from the config and its arrays,
every field checked (a model directory is read with suspicion).

Two layouts are read: version 2 (column plans, missing indicators, datetime and text
columns, robust scaling; quantile scaling adds its knots, ``numeric.quantiles`` among the
arrays, and ``numeric.quantile_rows``; entity columns add ``entity``, their levels, and
``entity.{i}.values`` / ``prior`` / ``means`` / ``scales`` among the arrays; heaped numbers'
value counts add ``count`` and ``count.{i}.values`` / ``counts`` / ``means`` / ``scales``) and the layout
written before it (no ``version`` key: numeric and
categorical columns only), which loads and transforms exactly as it did.
"""

from __future__ import annotations

import math

import numpy as np

from .._util.validation import resolve_dtype
from .columns import ColumnPlan, Plan
from .encoders import DATETIME_PARTS, HASH_WIDTH, TEXT_COMPONENTS
from .quantiles import n_knots
from .scalings import SCALINGS
from .target_encoding import TARGET_TYPES

__all__ = ["write_config", "read_config", "CONFIG_VERSION"]

CONFIG_VERSION = 2
_KINDS = ("bool", "number", "string", "datetime")
#: the Preprocessor's scalings of numeric columns (re-exported by :mod:`.preprocessing`)


def _fail(field, expected, value):
    raise ValueError(f"Invalid preprocessing config: `{field}` must be {expected}. "
                     f"Received: {field}={value!r}"[:500])


def _str_list(field, value):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        _fail(field, "a list of strings", value)
    return list(value)


def _number_list(field, value, n, positive=False):
    if (not isinstance(value, list) or len(value) != n
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                       for v in value)):
        _fail(field, f"a list of {n} finite numbers", value)
    if positive and any(v <= 0 for v in value):
        _fail(field, "positive", value)
    return [float(v) for v in value]


def _categorical(self, cat):
    self.categorical_columns_ = _str_list("categorical.columns", cat.get("columns"))
    m = len(self.categorical_columns_)
    self.fill_values_ = _str_list("categorical.fill_values", cat.get("fill_values"))
    categories = cat.get("categories")
    if not isinstance(categories, list) or len(categories) != m or len(self.fill_values_) != m:
        _fail("categorical.categories", f"a list of {m} lists", categories)
    self.categories_ = [_str_list(f"categorical.categories[{i}]", c) for i, c in enumerate(categories)]


def _numbers(self, num, k):
    self.medians_ = _number_list("numeric.medians", num.get("medians"), k)
    self.means_ = _number_list("numeric.means", num.get("means"), k)
    self.scales_ = _number_list("numeric.scales", num.get("scales"), k, positive=True)
    self.lows_ = self.highs_ = None  # written before clipping, or clip=False: nothing is clipped
    if "lows" in num or "highs" in num:
        self.lows_ = _number_list("numeric.lows", num.get("lows"), k)
        self.highs_ = _number_list("numeric.highs", num.get("highs"), k)
        if any(lo > hi for lo, hi in zip(self.lows_, self.highs_, strict=True)):
            _fail("numeric.lows/highs", "each low at most its high", (self.lows_, self.highs_))


def _legacy(cls, config, num, cat):
    """The layout before column plans: imputed (median / most frequent), scaled, one-hot."""
    self = cls(dtype=config["dtype"])
    self.feature_names_in_ = _str_list("feature_names_in", config.get("feature_names_in"))
    self.imputed_columns_ = _str_list("imputed_columns", config.get("imputed_columns"))
    self.numeric_columns_ = _str_list("numeric.columns", num.get("columns"))
    _numbers(self, num, len(self.numeric_columns_))
    _categorical(self, cat)
    if sorted(self.numeric_columns_ + self.categorical_columns_) != sorted(self.feature_names_in_) or \
            len(set(self.feature_names_in_)) != len(self.feature_names_in_):
        _fail("feature_names_in", "the numeric and categorical columns, each once", self.feature_names_in_)
    self.input_kinds_ = None
    self.numeric_sources_ = [(c, None) for c in self.numeric_columns_]
    self.numeric_features_ = list(self.numeric_columns_)
    self.indicator_features_, self.datetime_columns_, self.datetime_parts_ = [], [], []
    self.text_columns_, self.text_states_, self.dropped_columns_ = [], [], []
    self.entity_columns_, self.entity_states_ = [], []
    self.count_columns_, self.count_states_ = [], []
    self.quantiles_, self.quantile_rows_ = None, None
    cardinality = dict(zip(self.categorical_columns_, map(len, self.categories_), strict=True))
    self.plan_ = Plan([ColumnPlan(c, "numeric" if c in self.numeric_columns_ else "categorical",
                                  cardinality.get(c, 0), 0.0, "impute, scale" if c in self.numeric_columns_
                                  else "impute most frequent, one-hot", "saved before column plans")
                       for c in self.feature_names_in_])
    return self


def write_config(pre, arrays) -> dict:
    """A fitted preprocessor's learned state as the version-2 JSON layout; ``arrays`` (its
    :meth:`~ridgeback.tabular.preprocessing.Preprocessor.get_arrays`) are listed by shape and dtype."""
    return {
        "version": CONFIG_VERSION,
        "dtype": resolve_dtype(pre.dtype).name,
        "params": {"drop": pre.drop, "categorical": pre.categorical, "numeric": pre.numeric,
                   "datetime": pre.datetime, "id": pre.id, "scaling": pre.scaling,
                   "cardinality_threshold": int(pre.cardinality_threshold),
                   "memory_limit": None if pre.memory_limit is None else int(pre.memory_limit),
                   "group_codes": bool(pre.group_codes), "clip": bool(pre.clip),
                   "many_levels": bool(pre.many_levels), "entities": bool(pre.entities),
                   "periods": bool(pre.periods), "named_codes": bool(pre.named_codes),
                   "value_counts": bool(pre.value_counts),
                   "entity": None if pre.entity is None else list(pre.entity), "target_type": pre.target_type,
                   "text_left_out": None if pre.text_left_out is None else list(pre.text_left_out)},
        "plan": pre.plan_.to_list(),
        "feature_names_in": list(pre.feature_names_in_),
        "input_kinds": dict(pre.input_kinds_),
        "imputed_columns": list(pre.imputed_columns_),
        "numeric": {"columns": list(pre.numeric_columns_),
                    "sources": [[name, part] for name, part in pre.numeric_sources_],
                    "medians": list(pre.medians_), "means": list(pre.means_),
                    "scales": list(pre.scales_),
                    "indicators": list(pre.indicator_features_),
                    **({} if pre.lows_ is None else {"lows": list(pre.lows_), "highs": list(pre.highs_)}),
                    **({} if pre.quantiles_ is None else {"quantile_rows": int(pre.quantile_rows_)})},
        "datetime": {"columns": list(pre.datetime_columns_),
                     "parts": [list(p) for p in pre.datetime_parts_]},
        "categorical": {"columns": list(pre.categorical_columns_),
                        "fill_values": list(pre.fill_values_),
                        "categories": [list(c) for c in pre.categories_]},
        "text": {"columns": list(pre.text_columns_), "hash_width": HASH_WIDTH},
        "entity": {"columns": list(pre.entity_columns_),
                   "levels": [list(state["levels"]) for state in pre.entity_states_],
                   "labels": [list(state["labels"]) for state in pre.entity_states_]},
        "count": {"columns": list(pre.count_columns_)},
        "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in arrays.items()},
    }


def read_config(cls, config, arrays):
    if not isinstance(config, dict):
        _fail("preprocessing", "a dict", config)
    num, cat = config.get("numeric"), config.get("categorical")
    if not isinstance(num, dict) or not isinstance(cat, dict):
        _fail("numeric/categorical", "dicts", (type(num).__name__, type(cat).__name__))
    if config.get("dtype") not in ("float32", "float64"):
        _fail("dtype", "'float32' or 'float64'", config.get("dtype"))
    if "version" not in config:
        self = _legacy(cls, config, num, cat)
    else:
        self = _current(cls, config, num, cat, arrays)
    self.n_features_in_ = len(self.feature_names_in_)
    self.column_transformer_ = None
    self._set_names_out()
    return self


def _current(cls, config, num, cat, arrays):
    if config["version"] != CONFIG_VERSION:
        _fail("version", str(CONFIG_VERSION), config["version"])
    self = _with_params(cls, config)
    _plan(self, config)
    _numeric(self, num)
    _quantiles(self, num, arrays)
    _datetime(self, config, num.get("sources"))
    _categorical(self, cat)
    text = config.get("text")
    if not isinstance(text, dict) or text.get("hash_width") != HASH_WIDTH:
        _fail("text", f"an object with hash_width {HASH_WIDTH}", text)
    self.text_columns_ = _str_list("text.columns", text.get("columns"))
    self.text_states_ = [_text_state(i, arrays) for i in range(len(self.text_columns_))]
    _entities(self, config.get("entity", {"columns": [], "levels": [], "labels": []}), arrays)
    _counts(self, config.get("count", {"columns": []}), arrays)
    _check_roles(self)
    return self


def _with_params(cls, config):
    """An unfitted preprocessor with the saved constructor arguments, each checked."""
    params = config.get("params")
    if not isinstance(params, dict) or params.get("scaling") not in SCALINGS:
        _fail("params", f"an object with scaling among {list(SCALINGS)}", params)
    # lists of columns
    names = ("drop", "categorical", "numeric", "datetime", "id", "entity", "text_left_out")
    overrides = {k: params.get(k) for k in names}
    for key, value in overrides.items():
        if value is not None:
            _str_list(f"params.{key}", value)
    threshold, limit = params.get("cardinality_threshold"), params.get("memory_limit")
    limit_ok = limit is None or (type(limit) is int and limit > 0)
    if type(threshold) is not int or threshold < 1 or not limit_ok:
        _fail("params", "a positive cardinality_threshold and memory_limit", params)
    flags = {name: params.get(name, True) for name in ("group_codes", "clip")}  # older files: defaults
    # files written before many_levels (entities) existed read strings of many levels as text (repeated
    # identifiers as numbers or text), as then
    flags["many_levels"] = params.get("many_levels", False)
    flags["entities"] = params.get("entities", False)
    flags["periods"] = params.get("periods", False)
    flags["named_codes"] = params.get("named_codes", False)
    flags["value_counts"] = params.get("value_counts", False)
    if any(type(v) is not bool for v in flags.values()):
        _fail("params", "group_codes, clip, many_levels, entities, periods, named_codes and value_counts "
              "true or false", params)
    target_type = params.get("target_type", "auto")
    if target_type not in TARGET_TYPES:
        _fail("params.target_type", f"one of {list(TARGET_TYPES)}", target_type)
    return cls(dtype=config["dtype"], scaling=params["scaling"], cardinality_threshold=threshold,
               memory_limit=limit, target_type=target_type, **flags, **overrides)


def _plan(self, config):
    """The column plan, the raw column names (one plan record each), their input kinds."""
    self.plan_ = Plan.from_list(config.get("plan"))
    self.feature_names_in_ = _str_list("feature_names_in", config.get("feature_names_in"))
    if [c.column for c in self.plan_.columns] != self.feature_names_in_:
        _fail("plan", "one record per column of feature_names_in", [c.column for c in self.plan_.columns])
    kinds = config.get("input_kinds")
    if not isinstance(kinds, dict) or not all(isinstance(v, str) and v in _KINDS for v in kinds.values()):
        _fail("input_kinds", f"an object of kinds among {list(_KINDS)}", kinds)
    self.input_kinds_ = dict(kinds)
    self.imputed_columns_ = _str_list("imputed_columns", config.get("imputed_columns"))


def _numeric(self, num):
    """Numeric columns, the sources of the numeric features, their statistics and indicators."""
    self.numeric_columns_ = _str_list("numeric.columns", num.get("columns"))
    sources = num.get("sources")

    def is_source(s):
        return (isinstance(s, list) and len(s) == 2 and isinstance(s[0], str)
                and s[1] in (None, *DATETIME_PARTS))

    if not isinstance(sources, list) or not all(is_source(s) for s in sources):
        _fail("numeric.sources", "a list of [column, part or null]", sources)
    self.numeric_sources_ = [(name, part) for name, part in sources]
    self.numeric_features_ = [name if part is None else f"{name}.{part}" for name, part in sources]
    _numbers(self, num, len(sources))
    self.indicator_features_ = _str_list("numeric.indicators", num.get("indicators"))
    if not set(self.indicator_features_) <= set(self.numeric_features_):
        _fail("numeric.indicators", "numeric features", self.indicator_features_)


def _quantiles(self, num, arrays):
    """With quantile scaling: the knots (n_knots, numeric features), non-decreasing down each
    column, and the number of training rows they were read from."""
    self.quantiles_, self.quantile_rows_ = None, None
    if self.scaling != "quantile" or not self.numeric_features_:
        return
    rows = num.get("quantile_rows")
    if type(rows) is not int or rows < 1:
        _fail("numeric.quantile_rows", "a positive integer", rows)
    knots = arrays.get("numeric.quantiles")
    shape = (n_knots(rows), len(self.numeric_features_))
    if (not isinstance(knots, np.ndarray) or knots.dtype != np.float64 or knots.shape != shape
            or not np.all(np.isfinite(knots)) or np.any(np.diff(knots, axis=0) < 0)):
        _fail("arrays['numeric.quantiles']", f"finite float64 knots of shape {shape}, non-decreasing "
              "down each column", getattr(knots, "shape", type(knots).__name__))
    self.quantiles_, self.quantile_rows_ = knots, rows


def _datetime(self, config, sources):
    """Datetime columns and their parts; with the numeric columns, exactly the numeric sources."""
    dates = config.get("datetime")
    if not isinstance(dates, dict):
        _fail("datetime", "an object", dates)
    self.datetime_columns_ = _str_list("datetime.columns", dates.get("columns"))
    parts = dates.get("parts")
    if not isinstance(parts, list) or len(parts) != len(self.datetime_columns_):
        _fail("datetime.parts", f"a list of {len(self.datetime_columns_)} lists", parts)
    self.datetime_parts_ = [_str_list(f"datetime.parts[{i}]", p) for i, p in enumerate(parts)]
    expected = [(c, None) for c in self.numeric_columns_] + [
        (c, p) for c, ps in zip(self.datetime_columns_, self.datetime_parts_, strict=True) for p in ps]
    if sorted(expected, key=str) != sorted(self.numeric_sources_, key=str):
        _fail("numeric.sources", "the numeric columns and the datetime parts", sources)


def _check_roles(self):
    """Each role's columns are those the plan gives it; the dropped columns are the plan's."""
    roles = {c.column: c.role for c in self.plan_.columns}
    by_role = {"numeric": self.numeric_columns_, "datetime": self.datetime_columns_,
               "categorical": self.categorical_columns_, "text": self.text_columns_,
               "entity": self.entity_columns_}
    periods = self.plan_.periods()  # numeric, and one-hot too
    for role, columns in by_role.items():
        expected = [c for c, r in roles.items() if r == role] + (periods if role == "categorical" else [])
        if sorted(columns) != sorted(expected):
            _fail(f"{role}.columns", f"the columns the plan gives the role {role!r}", columns)
    if not set(self.input_kinds_) == {c for c, r in roles.items() if r not in ("id", "drop")}:
        _fail("input_kinds", "one kind per used column", sorted(self.input_kinds_))
    self.dropped_columns_ = [c for c, r in roles.items() if r in ("id", "drop")]


def _finite_array(arrays, name) -> np.ndarray:
    """``arrays[name]``, refused unless a finite float64 array."""
    value = arrays.get(name)
    if not isinstance(value, np.ndarray) or value.dtype != np.float64 or not np.all(np.isfinite(value)):
        _fail(f"arrays[{name!r}]", "a finite float64 array", type(value).__name__)
    return value


def _text_state(i, arrays):
    state = {}
    for key in ("idf", "components", "means", "scales"):
        state[key] = _finite_array(arrays, f"text.{i}.{key}")
    k = state["components"].shape[0]
    if (state["idf"].shape != (HASH_WIDTH,) or state["components"].shape != (k, HASH_WIDTH)
            or not 1 <= k <= TEXT_COMPONENTS or state["means"].shape != (k,) or state["scales"].shape != (k,)
            or np.any(state["scales"] <= 0)):
        _fail(f"text.{i}", f"idf ({HASH_WIDTH},), components (k, {HASH_WIDTH}), means and positive "
              "scales (k,)",
              {key: value.shape for key, value in state.items()})
    return state


def _entities(self, entity, arrays):
    """The entity columns and each one's encoding: its levels, and per level a code of ``k``
    values (one, or one per class: then ``labels`` names them), the prior, the standardization."""
    if not isinstance(entity, dict):
        _fail("entity", "an object", entity)
    self.entity_columns_ = _str_list("entity.columns", entity.get("columns"))
    m = len(self.entity_columns_)
    levels, labels = entity.get("levels"), entity.get("labels")
    if not isinstance(levels, list) or not isinstance(labels, list) or len(levels) != m or len(labels) != m:
        _fail("entity.levels/labels", f"two lists of {m} lists", (levels, labels))
    self.entity_states_ = []
    for i in range(m):
        state = {"levels": _str_list(f"entity.levels[{i}]", levels[i]),
                 "labels": _str_list(f"entity.labels[{i}]", labels[i])}
        for key in ("values", "prior", "means", "scales"):
            state[key] = _finite_array(arrays, f"entity.{i}.{key}")
        k = max(1, len(state["labels"]))
        shapes = [state["values"].shape, state["prior"].shape, state["means"].shape, state["scales"].shape]
        if (shapes != [(len(state["levels"]), k), (k,), (k,), (k,)] or np.any(state["scales"] <= 0)
                or len(set(state["levels"])) != len(state["levels"])):
            _fail(f"entity.{i}", f"distinct levels, values (levels, {k}), prior, means and positive scales "
                  f"({k},)", {key: getattr(v, "shape", len(v)) for key, v in state.items()})
        self.entity_states_.append(state)


def _counts(self, count, arrays):
    """The heaped numeric columns with a value count, and each one's values seen at fit, how
    many training rows held each, and the codes' standardization (files written before value
    counts have none)."""
    if not isinstance(count, dict):
        _fail("count", "an object", count)
    self.count_columns_ = _str_list("count.columns", count.get("columns"))
    numeric = {name for name, part in self.numeric_sources_ if part is None}
    if not set(self.count_columns_) <= numeric or len(set(self.count_columns_)) != len(self.count_columns_):
        _fail("count.columns", "distinct numeric columns", self.count_columns_)
    self.count_states_ = []
    for i in range(len(self.count_columns_)):
        state = {key: _finite_array(arrays, f"count.{i}.{key}")
                 for key in ("values", "counts", "means", "scales")}
        values, counts = state["values"], state["counts"]
        if (values.ndim != 1 or counts.shape != values.shape or np.any(np.diff(values) <= 0)
                or np.any(counts < 1) or state["means"].shape != (1,) or state["scales"].shape != (1,)
                or state["scales"][0] <= 0):
            _fail(f"count.{i}", "increasing values, a count of 1 or more for each, one mean and one positive "
                  "scale", {key: list(a.shape) for key, a in state.items()})
        self.count_states_.append(state)
