r"""Smooth activations: GELU, SiLU, Mish and SELU, each forward beside its backward.

The piecewise-linear and saturating activations (ReLU, LeakyReLU, Tanh, Sigmoid) live in
:mod:`ridgeback.engine.layers`; these four are the ones modern tabular recipes use
(RealMLP-TD: SELU or Mish; transformers and TabM: GELU). Each one caches only what its
backward needs, and computes in the input's dtype except the error function, which is
evaluated in float64 (see :func:`erf`) and rounded back.

NumPy has no error function, so this module carries one: W. J. Cody's rational
Chebyshev approximations (Math. Comp. 23, 1969, the ``CALERF`` routine of SPECFUN), accurate to
a few units in the last place of float64 on the whole real line.
"""

from __future__ import annotations

import math

import numpy as np

from .layers import LAYERS, Layer

__all__ = ["erf", "erfc", "GELU", "SiLU", "Mish", "SELU"]

# Cody's coefficients. erf(x) = x P(x^2)/Q(x^2) for |x| <= 0.46875
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
      1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
# erfc(x) = exp(-x^2) P(x)/Q(x) for 0.46875 < x <= 4
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
# erfc(x) = exp(-x^2)/x (1/sqrt(pi) + P(1/x^2)/(x^2 Q(1/x^2))) for x > 4
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
      2.33520497626869185e-3)
_THRESHOLD = 0.46875
_XBIG = 40.0  # erfc(x) is 0 in float64 far below this; clipping keeps inf out of the arithmetic
_INV_SQRT_PI = 5.6418958354775628695e-1


def _scaled_exp(y):
    """:math:`e^{-y^2}` computed as :math:`e^{-s^2} e^{-(y-s)(y+s)}` with
    :math:`s = \\lfloor 16y \\rfloor / 16`, Cody's split, which keeps the relative error of the
    product near one ulp for large y."""
    s = np.trunc(y * 16.0) / 16.0
    return np.exp(-s * s) * np.exp(-(y - s) * (y + s))


def _erfc_positive(y):
    """erfc on ``y > 0.46875`` (float64 array)."""
    out = np.empty_like(y)
    mid = y <= 4.0
    if mid.any():
        t = y[mid]
        num, den = _C[8] * t, t
        for c, d in zip(_C[:7], _D[:7], strict=True):
            num = (num + c) * t
            den = (den + d) * t
        out[mid] = (num + _C[7]) / (den + _D[7]) * _scaled_exp(t)
    far = ~mid
    if far.any():
        t = np.minimum(y[far], _XBIG)
        inv = 1.0 / (t * t)
        num, den = _P[5] * inv, inv
        for p, q in zip(_P[:4], _Q[:4], strict=True):
            num = (num + p) * inv
            den = (den + q) * inv
        r = inv * (num + _P[4]) / (den + _Q[4])
        out[far] = (_INV_SQRT_PI - r) / t * _scaled_exp(t)
    return out


def _erf_small(x):
    """erf on ``|x| <= 0.46875`` (float64 array)."""
    sq = x * x
    num, den = _A[4] * sq, sq
    for a, b in zip(_A[:3], _B[:3], strict=True):
        num = (num + a) * sq
        den = (den + b) * sq
    return x * (num + _A[3]) / (den + _B[3])


def erf(x):
    r"""The error function :math:`\operatorname{erf}(x) = \frac{2}{\sqrt\pi}\int_0^x e^{-t^2}\,dt`.

    Cody's rational approximations in three ranges (:math:`|x| \le 0.46875`, up to 4, beyond),
    evaluated in float64 whatever the input dtype; the result has the input's float dtype.

    Examples
    --------
    >>> import math
    >>> abs(float(erf(0.5)) - math.erf(0.5)) < 1e-16
    True
    """
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    v = x.astype(np.float64)
    out = np.empty_like(v)
    y = np.abs(v)
    small = y <= _THRESHOLD
    out[small] = _erf_small(v[small])
    large = ~small
    if large.any():
        tail = _erfc_positive(y[large])
        out[large] = np.copysign((0.5 - tail) + 0.5, v[large])
    out[np.isnan(v)] = np.nan
    return out.astype(dtype, copy=False)


def erfc(x):
    r"""The complementary error function :math:`1 - \operatorname{erf}(x)`, without the
    cancellation of that difference for large :math:`x` (relative accuracy kept in the tail).

    Examples
    --------
    >>> import math
    >>> abs(float(erfc(5.0)) / math.erfc(5.0) - 1) < 1e-14
    True
    """
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    v = x.astype(np.float64)
    out = np.empty_like(v)
    y = np.abs(v)
    small = y <= _THRESHOLD
    out[small] = 1.0 - _erf_small(v[small])
    large = ~small
    if large.any():
        tail = _erfc_positive(y[large])
        out[large] = np.where(v[large] > 0, tail, 2.0 - tail)
    out[np.isnan(v)] = np.nan
    return out.astype(dtype, copy=False)


class GELU(Layer):
    r"""Gaussian error linear unit (Hendrycks & Gimpel 2016), exact form as ``torch.nn.GELU()``.

    .. math::
        y = x\,\Phi(x),\quad \Phi(x) = \tfrac12\operatorname{erfc}(-x/\sqrt2);\qquad
        \frac{\partial C}{\partial x} = g\,\big(\Phi(x) + x\,\varphi(x)\big),\quad
        \varphi(x) = e^{-x^2/2}/\sqrt{2\pi}

    :math:`\Phi` is computed through erfc rather than :math:`1 + \operatorname{erf}`, so that it
    keeps its relative accuracy for very negative :math:`x`.

    Examples
    --------
    >>> import numpy as np
    >>> GELU().forward(np.array([-1.0, 0.0, 1.0])).round(6)
    array([-0.158655,  0.      ,  0.841345])
    """

    def forward(self, x, training=False):
        self._x = x
        self._cdf = 0.5 * erfc(-x * x.dtype.type(math.sqrt(0.5)))
        return x * self._cdf

    def backward(self, grad_out):
        x, cdf = self._x, self._cdf
        self._x = self._cdf = None
        pdf = np.exp(-0.5 * x * x) * x.dtype.type(1.0 / math.sqrt(2.0 * math.pi))
        return grad_out * (cdf + x * pdf)


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1)  # the tanh form: no overflow for large |x|


class SiLU(Layer):
    r"""Sigmoid linear unit, or swish (Elfwing et al. 2018), as ``torch.nn.SiLU``.

    .. math::
        y = x\,\sigma(x);\qquad
        \frac{\partial C}{\partial x} = g\,\sigma(x)\big(1 + x(1 - \sigma(x))\big)

    Examples
    --------
    >>> import numpy as np
    >>> SiLU().forward(np.array([-1.0, 0.0, 1.0])).round(6)
    array([-0.268941,  0.      ,  0.731059])
    """

    def forward(self, x, training=False):
        self._x = x
        self._s = _sigmoid(x)
        return x * self._s

    def backward(self, grad_out):
        x, s = self._x, self._s
        self._x = self._s = None
        return grad_out * (s * (1 + x * (1 - s)))


class Mish(Layer):
    r"""Mish (Misra 2019), as ``torch.nn.Mish``.

    .. math::
        y = x\tanh(\operatorname{softplus}(x)),\quad \operatorname{softplus}(x) = \log(1 + e^x);

    .. math::
        \frac{\partial C}{\partial x} = g\,\big(t + x\,(1 - t^2)\,\sigma(x)\big),\quad
        t = \tanh(\operatorname{softplus}(x))

    since :math:`\operatorname{softplus}'(x) = \sigma(x)`. Both come from one exponential
    :math:`u = e^x`: with :math:`e^{\operatorname{softplus}(x)} = 1 + u`,

    .. math::
        t = \frac{(1+u)^2 - 1}{(1+u)^2 + 1} = \frac{u(u+2)}{u(u+2) + 2},\qquad
        \sigma(x) = \frac{u}{1+u},

    with :math:`x` clamped at 20 inside the exponential (there :math:`t = 1` and
    :math:`\sigma(x) = 1` to float64's precision, and :math:`u^2` cannot overflow); a large
    negative :math:`x` underflows :math:`u`, :math:`t` and :math:`\sigma` to 0 as they should.
    One exponential instead of ``tanh(logaddexp(0, x))`` and a sigmoid: about 8 times faster.

    Examples
    --------
    >>> import numpy as np
    >>> Mish().forward(np.array([-1.0, 0.0, 1.0])).round(6)
    array([-0.303401,  0.      ,  0.865098])
    """

    def forward(self, x, training=False):
        u = np.exp(np.minimum(x, x.dtype.type(_MISH_CLAMP)))
        a = u * (u + 2)
        self._x, self._t, self._s = x, a / (a + 2), u / (1 + u)
        return x * self._t

    def backward(self, grad_out):
        x, t, s = self._x, self._t, self._s
        self._x = self._t = self._s = None
        return grad_out * (t + x * (1 - t * t) * s)


#: where Mish's exponential is clamped: tanh(softplus(x)) and sigmoid(x) round to 1 above it
_MISH_CLAMP = 20.0


class SELU(Layer):
    r"""Scaled exponential linear unit (Klambauer et al. 2017), as ``torch.nn.SELU``.

    .. math::
        y = \lambda \begin{cases} x & x > 0 \\ \alpha\,(e^x - 1) & x \le 0 \end{cases};\qquad
        \frac{\partial C}{\partial x} = g\,\lambda \begin{cases} 1 & x > 0 \\ \alpha e^x & x \le 0 \end{cases}

    with torch's constants :math:`\alpha = 1.6732632423543772848`,
    :math:`\lambda = 1.0507009873554804934`, the fixed point that keeps zero mean and unit
    variance through a layer with :math:`\mathcal N(0, 1/n_{in})` weights.

    Examples
    --------
    >>> import numpy as np
    >>> SELU().forward(np.array([-1.0, 0.0, 1.0])).round(6)
    array([-1.111331,  0.      ,  1.050701])
    """

    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946

    def forward(self, x, training=False):
        self._positive = x > 0
        # expm1 keeps the relative accuracy near 0; min(x, 0) keeps exp from overflowing
        self._neg_exp = np.exp(np.minimum(x, 0))
        negative = x.dtype.type(self.alpha) * np.expm1(np.minimum(x, 0))
        return x.dtype.type(self.scale) * np.where(self._positive, x, negative)

    def backward(self, grad_out):
        positive, neg_exp = self._positive, self._neg_exp
        self._positive = self._neg_exp = None
        dtype = grad_out.dtype.type
        slope = np.where(positive, dtype(self.scale), dtype(self.scale * self.alpha) * neg_exp)
        return grad_out * slope


# saved models name their layers by class: these join the registry that Sequential.from_config reads
LAYERS.update({cls.__name__: cls for cls in (GELU, SiLU, Mish, SELU)})
