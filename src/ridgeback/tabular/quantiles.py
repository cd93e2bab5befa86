r"""The quantile scaling of a numeric column: its values mapped through the training rows'
empirical distribution onto a standard normal.

This is the preprocessing Gorishniy et al. use before every network they compare ("Revisiting
Deep Learning Models for Tabular Data", 2021; TabM, 2025): scikit-learn's
``QuantileTransformer(output_distribution="normal")`` with
:math:`n_q = \max(\min(\lfloor n/30 \rfloor, 1000), 10)` quantiles of the :math:`n` training
rows. A tree splits on ranks and ignores how a column is spread; after this map a network sees
ranks too: a skewed column (incomes, counts, spending) no longer squeezes most rows into a
sliver near zero, and an outlier lands at most a few units out.

Fitted (:func:`fit_knots`): the knots :math:`q_1 \le \dots \le q_{n_q}`, the training values'
percentiles at :math:`r_i = (i - 1)/(n_q - 1)`. Applied (:func:`to_normal`) to a value :math:`x`:

.. math::
    u(x) = \tfrac12\bigl(\mathrm{interp}(x;\ q, r)
                         - \mathrm{interp}(-x;\ -q^{\leftarrow},\ -r^{\leftarrow})\bigr),
    \qquad z = \Phi^{-1}\bigl(\mathrm{clip}(u,\ \epsilon,\ 1 - \epsilon)\bigr),\quad \epsilon = \frac{1}{2n},

where :math:`q^{\leftarrow}` is :math:`q` reversed: interpolating from both ends and averaging
puts a value that many knots share (a 0/1 column, a median that imputation repeated) at the
middle of their ranks, as a mid-rank would, instead of at one end. This is scikit-learn's rule.
Where scikit-learn sends every value at or beyond the outermost knots to
:math:`\Phi^{-1}(10^{-7}) \approx \mp 5.2` (so that a 0/1 column, whose knots are all 0 and 1,
becomes :math:`\pm 5.2`; Gorishniy et al. add noise to the training values to avoid it), here
:math:`u` is clipped to half a row's share from either end: a 0/1 column with a share
:math:`p` of ones maps to about :math:`\Phi^{-1}((1-p)/2)` and :math:`\Phi^{-1}(1 - p/2)`, the
training minimum of a continuous column to :math:`\Phi^{-1}(1/(2n))` (-3.1 for 500 rows, -4.1
for 20,000), and values outside the training range no further. Between the outermost knots
and away from ties, both rules give the same numbers (tested against scikit-learn).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

__all__ = ["n_knots", "fit_knots", "to_normal"]


def n_knots(n_rows: int) -> int:
    """:math:`\\max(\\min(\\lfloor n/30 \\rfloor, 1000), 10)` knots for ``n_rows`` training rows
    (at most ``n_rows``, as scikit-learn)."""
    return min(max(min(int(n_rows) // 30, 1000), 10), max(int(n_rows), 1))


def fit_knots(values: np.ndarray) -> np.ndarray:
    """The knots of each column of ``values`` (n_rows, n_columns; no missing values), as a
    float64 array of shape (n_knots, n_columns), non-decreasing down each column."""
    values = np.asarray(values, dtype=np.float64)
    k = n_knots(values.shape[0])
    knots = np.percentile(values, np.linspace(0.0, 100.0, k), axis=0)
    # percentile's interpolation can leave a knot a rounding error below the one before
    return np.maximum.accumulate(knots, axis=0)


def to_normal(column: np.ndarray, knots: np.ndarray, n_rows: int) -> np.ndarray:
    """Map one column's values (float64, no missing values) through its ``knots`` (fitted on
    ``n_rows`` training rows) onto the standard normal; see the module's formula."""
    ranks = np.linspace(0.0, 1.0, knots.shape[0])
    up = np.interp(column, knots, ranks)
    down = -np.interp(-column, -knots[::-1], -ranks[::-1])
    floor = 0.5 / n_rows
    return ndtri(np.clip(0.5 * (up + down), floor, 1.0 - floor))
