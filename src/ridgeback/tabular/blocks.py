"""The scikit-learn blocks a :class:`~ridgeback.tabular.preprocessing.Preprocessor` fits, and
the plain numbers read off them.

Fitted on the training rows: numeric features ``SimpleImputer(strategy="median")`` then the
scaling (:mod:`.scalings`: ``StandardScaler``, ``RobustScaler`` and the smooth clip, or nothing
for ``"quantile"``, whose knots :func:`fit_quantiles` reads off the imputed columns), missing
indicators, categorical columns imputed with ``MISSING`` then one-hot. The Preprocessor keeps
the numbers (:func:`read_statistics`) and applies them itself; the fitted ``ColumnTransformer``
stays as ``column_transformer_``, which the tests compare its output with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .quantiles import fit_knots
from .scalings import smooth_clip

__all__ = ["MISSING", "MAX_MAGNITUDE", "CLIP_MARGIN", "Statistics", "check_magnitudes", "fit_blocks",
           "read_statistics", "fit_quantiles", "clip_bounds"]

#: how far beyond the training range (a share of its width, on each side) a numeric feature may
#: go before it is clipped: a moderate extrapolation (a store somewhat larger than any seen) is
#: kept, a data error far out (a mileage 2.4 widths above the largest) is bounded. Measured in
#: benchmarks/QUALITY.md (0, 0.5 and 1)
CLIP_MARGIN = 0.5

#: the level a missing categorical value becomes, and the suffix of a missing-indicator column
MISSING = "<missing>"
#: numbers larger than this overflow a column's variance in float64 (the square of 1.4e154 is
#: infinite), and the scaled column with it
MAX_MAGNITUDE = 1e150


def check_magnitudes(read, features: list) -> None:
    """Refuse a numeric feature with a value too large to scale, naming it (before any fit)."""
    for feature in features:
        values = np.abs(np.asarray(read.frame[feature], dtype=np.float64))
        largest = float(np.nanmax(values)) if not np.all(np.isnan(values)) else 0.0
        if largest > MAX_MAGNITUDE:
            raise ValueError(f"Column {feature!r} holds a number too large to scale: its variance would "
                             f"overflow float64 beyond about {MAX_MAGNITUDE:.0e}. Divide the column by a "
                             f"power of ten, or drop it. "
                             f"Received: {feature} with |value| up to {largest:.3g}")


def fit_blocks(scaling, read, features, indicators):
    """The scikit-learn blocks fitted on the training columns (None when there are none): numeric
    (impute, scale; impute only for ``"quantile"``, whose knots :func:`fit_quantiles` reads off
    the imputed columns), missing indicators, categorical (impute ``MISSING``, one-hot)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import MissingIndicator, SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, RobustScaler, StandardScaler

    clip = FunctionTransformer(smooth_clip, feature_names_out="one-to-one")
    scaler = {"standard": [StandardScaler()], "robust": [RobustScaler(), clip], "quantile": []}[scaling]
    # a period (a year, numeric and one-hot) is in both blocks: its levels under another name
    categorical = [c if c not in features else f"{c} (levels)" for c in read.categorical]
    data = pd.DataFrame({**{f: pd.Series(read.frame[f], dtype=read.frame[f].dtype) for f in features},
                         **{key: pd.Series(read.levels[c], dtype=object)
                            for key, c in zip(categorical, read.categorical, strict=True)}})
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
    if not transformers:
        return None
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0).fit(data)



@dataclass
class Statistics:
    """What the Preprocessor applies at transform time, per numeric feature (``medians``,
    ``means``, ``scales``) and per categorical column (``fill_values``, ``categories``)."""

    medians: list
    means: list
    scales: list
    fill_values: list
    categories: list


def read_statistics(ct, scaling: str, n_numeric: int, n_categorical: int) -> Statistics:
    """The fitted medians, centres, scales and categories of ``ct`` (:func:`fit_blocks`) as plain lists."""
    medians, means, scales = [], [], []
    if n_numeric:
        imputer, *fitted = (step for _, step in ct.named_transformers_["num"].steps[:2])
        medians = [float(v) for v in imputer.statistics_]
        if fitted:
            centre = fitted[0].mean_ if scaling == "standard" else fitted[0].center_
            means = [float(v) for v in centre]
            scales = [float(v) for v in fitted[0].scale_]
        else:  # quantile: the knots do it all
            means, scales = [0.0] * len(medians), [1.0] * len(medians)
    fill_values, categories = [], []
    if n_categorical:
        encoder = ct.named_transformers_["cat"].steps[1][1]
        fill_values = [MISSING] * n_categorical
        categories = [[str(v) for v in cats] for cats in encoder.categories_]
    return Statistics(medians, means, scales, fill_values, categories)


def fit_quantiles(scaling: str, read, features: list, medians: list):
    """``(knots, rows)`` of the imputed numeric features with quantile scaling, else ``(None, None)``."""
    if scaling != "quantile" or not features:
        return None, None
    columns = [np.asarray(read.frame[f], dtype=np.float64) for f in features]
    imputed = np.column_stack([np.where(np.isnan(c), m, c) for c, m in zip(columns, medians, strict=True)])
    return fit_knots(imputed), int(imputed.shape[0])


def clip_bounds(scaled) -> tuple[list, list]:
    r"""``(lows, highs)``: each column's range on the training rows (imputed and scaled),
    widened by :data:`CLIP_MARGIN` of its width on each side,
    :math:`[\min - m(\max - \min),\ \max + m(\max - \min)]`."""
    low, high = scaled.min(axis=0), scaled.max(axis=0)
    margin = CLIP_MARGIN * (high - low)
    return (low - margin).tolist(), (high + margin).tolist()
