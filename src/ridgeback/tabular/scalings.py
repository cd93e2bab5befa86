r"""How numeric columns are scaled: the names the Preprocessor, ``--scaling`` and ``--grid
scaling=`` accept, and the robust scaling's smooth clip.

* ``"standard"``: :math:`z = (x - \mu) / \sigma`;
* ``"robust"``: :math:`z = (x - \mathrm{median}) / \mathrm{IQR}`, then
  :func:`smooth_clip`;
* ``"quantile"``: each value's rank among the training rows mapped onto a standard normal
  (:mod:`ridgeback.tabular.quantiles`).

This module needs NumPy only, so that the command line can list the scalings without importing
pandas or scikit-learn.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SCALINGS", "smooth_clip"]

SCALINGS = ("standard", "robust", "quantile")


def smooth_clip(z):
    r""":math:`z / \sqrt{1 + (z/3)^2}`: the identity near 0, bounded by :math:`\pm 3`."""
    return z / np.sqrt(1.0 + (z / 3.0) ** 2)
