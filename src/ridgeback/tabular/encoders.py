r"""Fixed-width encodings of wide columns: text (hashed n-grams, tf-idf, SVD) and datetimes.

Text
    A column with many distinct strings (free text, names, codes) is read as character
    n-grams (2 to 4, within words, lowercased), hashed into :data:`HASH_WIDTH` buckets with
    scikit-learn's ``HashingVectorizer`` (MurmurHash3, seed 0: the same bucket for the same
    n-gram in every version), weighted by tf-idf (:math:`\mathrm{idf} = 1 + \ln\frac{1 + n}{1 + df}`,
    rows scaled to unit length) and projected on the first :data:`TEXT_COMPONENTS` right
    singular vectors of the training rows (``TruncatedSVD``). The width does not grow with the
    number of levels, and what is learned is two arrays (``idf``: ``HASH_WIDTH``,
    ``components``: ``k x HASH_WIDTH``) that go to ``weights.npz``, never a pickle. A level
    never seen in training still gets a meaningful code from its n-grams.

Datetimes
    Year, month, day of week, hour and days since 1970-01-01 (UTC), as numbers; the
    preprocessor then imputes and scales them like numeric columns.

Each value is encoded once per distinct value, then gathered back to rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .formats import to_datetime

__all__ = ["HASH_WIDTH", "TEXT_COMPONENTS", "DATETIME_PARTS", "fit_text", "encode_text", "datetime_parts",
           "text_strings"]

HASH_WIDTH = 2**12
TEXT_COMPONENTS = 30
NGRAMS = (2, 4)
DATETIME_PARTS = ("year", "month", "weekday", "hour", "epoch_days")


def text_strings(series: pd.Series) -> np.ndarray:
    """The values as an object array of ``str``; missing values are the empty string."""
    values = series.astype(object).to_numpy()
    missing = pd.isna(values)
    return np.array(["" if m else str(v) for v, m in zip(values, missing, strict=True)], dtype=object)


def _hashed(values) -> object:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="char_wb", ngram_range=NGRAMS, n_features=HASH_WIDTH,
                             alternate_sign=False, norm=None, lowercase=True).transform(values)


def _tfidf(counts, idf):
    from sklearn.preprocessing import normalize

    return normalize(counts.multiply(idf).tocsr(), norm="l2", copy=False)


def fit_text(values: np.ndarray, seed: int = 0) -> dict:
    """Learn ``idf``, ``components`` and the output ``means``/``scales`` from a column of strings.

    Returns
    -------
    dict of ndarray
        ``idf`` (HASH_WIDTH,), ``components`` (k, HASH_WIDTH), ``means`` (k,), ``scales`` (k,),
        float64, with ``k = min(TEXT_COMPONENTS, distinct values - 1)`` and at least 1.
    """
    from sklearn.decomposition import TruncatedSVD

    uniques, inverse, counts_per_value = np.unique(values.astype(str), return_inverse=True,
                                                   return_counts=True)
    counts = _hashed(uniques)
    # document frequency over the rows, not the distinct values: a frequent level weighs as it occurs
    present = (counts > 0).astype(np.float64).T @ counts_per_value.astype(np.float64)
    n = float(values.size)
    idf = 1.0 + np.log((1.0 + n) / (1.0 + np.asarray(present).ravel()))
    tfidf = _tfidf(counts, idf)
    k = max(1, min(TEXT_COMPONENTS, uniques.size - 1, HASH_WIDTH - 1))
    if uniques.size > 1:
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=seed)
        svd.fit(tfidf)
        components = svd.components_.astype(np.float64)
    else:
        components = np.zeros((1, HASH_WIDTH))
    codes = np.asarray(tfidf @ components.T)[inverse]
    means = codes.mean(axis=0)
    scales = codes.std(axis=0)
    scales[scales < 1e-12] = 1.0
    return {"idf": idf, "components": components, "means": means, "scales": scales}


def encode_text(values: np.ndarray, state: dict) -> np.ndarray:
    """``(rows, k)`` float64 codes of ``values`` with a state from :func:`fit_text`."""
    uniques, inverse = np.unique(values.astype(str), return_inverse=True)
    codes = np.asarray(_tfidf(_hashed(uniques), state["idf"]) @ state["components"].T)
    codes -= state["means"]
    codes /= state["scales"]
    return codes[inverse]


def datetime_parts(series: pd.Series, parts=DATETIME_PARTS, fmt="") -> tuple:
    """``(matrix, unparsed)``: the ``parts`` as float64 columns (NaN where missing) and a mask of
    the present values that could not be read as dates (ISO 8601, or the strftime ``fmt``)."""
    stamps = to_datetime(series, fmt)
    unparsed = stamps.isna().to_numpy() & series.notna().to_numpy()
    available = {
        "year": lambda s: s.dt.year,
        "month": lambda s: s.dt.month,
        "weekday": lambda s: s.dt.day_of_week,
        "hour": lambda s: s.dt.hour + s.dt.minute / 60.0,
        "epoch_days": lambda s: (s - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(days=1),
    }
    matrix = np.column_stack([available[p](stamps).to_numpy(dtype=np.float64, na_value=np.nan)
                              for p in parts])
    return matrix, unparsed
