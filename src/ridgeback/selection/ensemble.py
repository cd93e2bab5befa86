r"""Fold ensembles: the chosen candidate's cross-validation fold models, averaged.

A search trains every candidate once per fold. With ``tune(..., ensemble="folds")`` the
:math:`K` fold models of the chosen candidate, already trained, are kept and averaged instead
of (or beside) a refit on all rows:

.. math::
    \hat p(x) = \frac1K \sum_{k=1}^K p_k(x) \quad\text{(probabilities)},\qquad
    \hat y(x) = \frac1K \sum_{k=1}^K f_k(x) \quad\text{(values)}.

Each member saw :math:`(K-1)/K` of the rows; their disagreement (different rows, the same
seeds) averages out, as in bagging (RealMLP-TD's ablation: 5-model bagging cuts the error by
5-8%). Each member keeps the preprocessing its fold fitted on its own training rows, the
one under which its cross-validation score was measured.

Memory: while the search runs, the fold models of a candidate are kept only while it can
still be chosen (see :class:`FoldKeeper`); a model dropped too early is trained again, with
the same seed, giving bit for bit the model the search scored.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._util.validation import check_int
from ..engine.uncertainty import NoDropoutWarning
from ..estimators.regressor import clipped, clipping_range

__all__ = ["FoldEnsemble", "FoldKeeper", "ENSEMBLES"]

#: the values of ``tune(..., ensemble=)``
ENSEMBLES = ("none", "folds")


def _is_classifier(model) -> bool:
    return hasattr(model, "classes_")


class FoldEnsemble:
    r"""The (weighted) average of fitted models: fold models of one candidate, seeded refits, or
    a blend of candidates (:mod:`ridgeback.selection.blend`), on one input.

    .. math::
        \hat p(x) = \sum_k w_k\, p_k(x), \qquad \sum_k w_k = 1,\ w_k \ge 0 .

    Parameters
    ----------
    members : list of fitted models
        MLPClassifier / MLPRegressor, Pipelines ending in one, or TabularModels; all of one kind
        and one task. Classifiers' probabilities are averaged over the union of their classes (a
        member that never saw a class gives it probability 0).
    weights : sequence of float or None
        One non-negative weight per member, normalized to sum to 1; None: equal weights.

    Attributes
    ----------
    members : list
    weights : ndarray
        The normalized weights.
    classes_ : ndarray (classifiers)
    task : {"classification", "regression"}

    Examples
    --------
    >>> import numpy as np
    >>> from ridgeback import MLPRegressor
    >>> X = np.random.default_rng(0).standard_normal((40, 2)); y = X.sum(axis=1)
    >>> members = [MLPRegressor((4,), max_epochs=3, random_state=k).fit(X, y) for k in range(3)]
    >>> ens = FoldEnsemble(members)
    >>> bool(np.allclose(ens.predict(X), np.mean([m.predict(X) for m in members], axis=0)))
    True
    """

    def __init__(self, members, weights=None):
        members = list(members)
        if not members:
            raise ValueError("`members` must hold at least one fitted model. Received: members=[]")
        self.weights = _check_weights(weights, len(members))
        kinds = {type(m).__name__ for m in members}
        if len(kinds) > 1:
            raise ValueError(f"`members` must be models of one kind. Received: kinds={sorted(kinds)}")
        if len({_is_classifier(m) for m in members}) > 1:
            raise ValueError("`members` must all be classifiers or all regressors. Received: a mix")
        self.members = members
        if _is_classifier(members[0]):
            labels = np.concatenate([np.asarray(m.classes_) for m in members])
            self.classes_ = np.unique(labels) if labels.dtype.kind != "O" else np.array(
                sorted(set(labels.tolist()), key=str), dtype=object)
        self.n_features_in_ = getattr(members[0], "n_features_in_", None)

    @property
    def task(self) -> str:
        return "classification" if hasattr(self, "classes_") else "regression"

    @property
    def n_members(self) -> int:
        return len(self.members)

    def _check_fitted(self):
        for m in self.members:
            if hasattr(m, "_check_fitted"):
                m._check_fitted()

    @property
    def feature_names_in_(self):
        return getattr(self.members[0], "feature_names_in_", None)

    # ---------------------------------------------------------------- prediction
    def _aligned(self, member, proba):
        """A member's probabilities in the columns of ``classes_``."""
        own = list(np.asarray(member.classes_).tolist())
        if own == self.classes_.tolist():
            return proba
        out = np.zeros((proba.shape[0], len(self.classes_)), dtype=proba.dtype)
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        for j, c in enumerate(own):
            out[:, index[c]] = proba[:, j]
        return out

    def predict_proba(self, X) -> np.ndarray:
        """The mean of the members' class probabilities, shape (n_samples, n_classes)."""
        if self.task != "classification":
            raise ValueError("predict_proba needs a classifier. Received: task='regression'")
        return _weighted([self._aligned(m, m.predict_proba(X)) for m in self.members], self.weights)

    def predict(self, X) -> np.ndarray:
        """The class of the highest mean probability, or the mean of the members' values.

        Regressors that clip their predictions (``MLPRegressor(clip_predictions=True)``) are
        averaged unclipped and the average is clipped by the bounds of the widest of their
        training ranges (:attr:`target_range_`, :func:`~ridgeback.estimators.regressor.clipped`):
        a clip of the final prediction can only bring it closer to a true value inside the
        bounds, while clipping each member could move the average away from it."""
        if self.task == "classification":
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        seen = self.target_range_
        values = [np.asarray(_unclipped(m, X) if seen is not None else m.predict(X), dtype=np.float64)
                  for m in self.members]
        out = _weighted(values, self.weights)
        if seen is None:
            return out
        return clipped(out, seen)

    @property
    def target_range_(self):
        """``(2, n_outputs)``: the smallest of the regressor members' training target minima and
        the largest of their maxima, from which :meth:`predict` draws its clip; None when a
        member does not clip (``clip_predictions=False``, a model saved before ranges were
        kept, another kind of estimator) or for classifiers."""
        if self.task == "classification":
            return None
        ranges = []
        for m in self.members:
            bounds = clipping_range(m)
            if bounds is None:
                return None
            ranges.append(np.asarray(bounds, dtype=np.float64))
        if len({r.shape for r in ranges}) > 1:
            return None
        stacked = np.stack(ranges)
        return np.stack([stacked[:, 0].min(axis=0), stacked[:, 1].max(axis=0)])

    def predict_mc(self, X, samples=50, seed=None):
        r"""Monte-Carlo dropout over the ensemble: ``samples`` masks per member.

        The members' samples together form one mixture (member :math:`k` drawn with probability
        :math:`w_k`), whose mean is the weighted mean of the members' means
        :math:`\bar m = \sum_k w_k m_k` and whose standard deviation adds the spread between
        members to the spread within them (the law of total variance):

        .. math::
            s^2 = \sum_k w_k \big(s_k^2 + m_k^2\big) - \bar m^2 .

        Member ``k`` is sampled with a seed drawn from ``SeedSequence([seed, k])`` (random when
        ``seed`` is None). A member without dropout (the linear model of a regression's average,
        say) contributes its one prediction; only when no member has dropout is that said, once.
        """
        samples = check_int("samples", samples)
        means, variances = [], []
        deterministic = 0
        for k, m in enumerate(self.members):
            member_seed = None
            if seed is not None:
                member_seed = int(np.random.SeedSequence([int(seed), k]).generate_state(1)[0])
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                mean, std = m.predict_mc(X, samples=samples, seed=member_seed)
            for w in caught:
                if issubclass(w.category, NoDropoutWarning):
                    deterministic += 1
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            if self.task == "classification":
                mean, std = self._aligned(m, mean), self._aligned(m, std)
            means.append(np.asarray(mean, dtype=np.float64))
            variances.append(np.asarray(std, dtype=np.float64) ** 2)
        if deterministic == len(self.members):
            warnings.warn("the ensemble's members have no dropout (every rate is 0): the standard deviation "
                          "is the spread between the members only", NoDropoutWarning, stacklevel=2)
        mean = _weighted(means, self.weights)
        second = _weighted([v + mu ** 2 for v, mu in zip(variances, means, strict=True)], self.weights)
        return mean, np.sqrt(np.maximum(second - mean ** 2, 0.0))

    def score(self, X, y) -> float:
        """Accuracy (classifiers) or R² (regressors) of the averaged prediction."""
        from sklearn.metrics import accuracy_score, r2_score

        if self.task == "classification":
            return float(accuracy_score(np.asarray(y), self.predict(X)))
        return float(r2_score(np.asarray(y, dtype=np.float64), self.predict(X)))

    # ---------------------------------------------------------------- tables
    def transform(self, X) -> np.ndarray:
        """The ensemble's numeric input: each TabularModel member's preprocessed matrix, side by
        side in member order (the members' preprocessing was fitted on their own folds); for
        members without preprocessing, ``X`` itself. This is the ONNX graph's input."""
        if not hasattr(self.members[0], "transform"):
            return np.asarray(X, dtype=np.float32)
        return np.hstack([m.transform(X) for m in self.members])

    @property
    def feature_names_out_(self):
        """``m{k}:{name}`` for each column of :meth:`transform` (TabularModel members)."""
        if not hasattr(self.members[0], "feature_names_out_"):
            return None
        return [f"m{k}:{name}" for k, m in enumerate(self.members) for name in m.feature_names_out_]

    def evaluate(self, X, y, sample_weight=None, metric=None) -> dict:
        """Scores on ``(X, y)`` as :meth:`TabularModel.evaluate <ridgeback.TabularModel.evaluate>`
        gives them (the same names, ``metric`` and ``sample_weight`` alike), for the average."""
        from ..tabular.model import TabularModel

        return TabularModel.evaluate(self, X, y, sample_weight=sample_weight, metric=metric)

    @property
    def uniform(self) -> bool:
        """Whether every member has the same weight (a plain mean)."""
        return bool(np.allclose(self.weights, self.weights[0], rtol=0.0, atol=1e-12))

    def __repr__(self):
        weights = "" if self.uniform else ", weights=[" + ", ".join(f"{w:.3g}" for w in self.weights) + "]"
        return f"FoldEnsemble({self.n_members} x {type(self.members[0]).__name__}{weights})"


def _check_weights(weights, n_members: int) -> np.ndarray:
    """``weights`` as a float64 array summing to 1 (equal when None), checked."""
    if weights is None:
        return np.full(n_members, 1.0 / n_members)
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"`weights` must be numbers, one per member. "
                         f"Received: weights={weights!r}") from None
    if w.shape != (n_members,):
        raise ValueError(f"`weights` must hold one weight per member ({n_members}). "
                         f"Received: {w.size} weights")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"`weights` must be finite, non-negative and not all zero. "
                         f"Received: weights={w.tolist()}")
    return w / w.sum()


def _unclipped(member, X):
    """A clipping regressor member's prediction before its clip (:meth:`FoldEnsemble.predict`)."""
    estimator = getattr(member, "estimator", member)
    matrix = member.transform(X) if estimator is not member else X
    return estimator._predict(matrix, clip=False)


def _weighted(arrays, weights) -> np.ndarray:
    r""":math:`\sum_k w_k a_k` over the members' arrays."""
    stacked = np.stack(arrays)
    out = np.tensordot(np.asarray(weights, dtype=np.float64), stacked.astype(np.float64), axes=1)
    return out.astype(np.result_type(stacked.dtype, np.float32), copy=False)  # float32 stays float32


class FoldKeeper:
    """Keeps, while a search runs, the fold models of the candidates that can still be chosen.

    ``add(candidate, fold, model, score)`` is called in the calling process as each fit's
    outcome arrives (a candidate's folds arrive together: the tasks are candidate-major). When
    a candidate has all its ``n_folds`` scores it is compared with those seen so far:

    * ``rule="best"``: only the best mean score so far keeps its models (ties: the lower index,
      as the final choice);
    * ``rule="1se"``: candidates within one standard error of the best so far keep theirs.

    So at most one candidate's models (``"best"``), or those of the current 1-SE band
    (``"1se"``), plus the one being completed, are held at a time. The final choice can fall
    outside what was kept only under ``"1se"``, when a later best with a wider spread lowers the
    threshold; :meth:`models` then returns None for the folds to train again.
    """

    def __init__(self, n_folds: int, rule: str):
        self.n_folds, self.rule = n_folds, rule
        self.pending = {}   # candidate -> {fold: (model, score)}
        self.kept = {}      # candidate -> [model per fold]
        self.stats = {}     # candidate -> (mean, std) of completed candidates

    def add(self, candidate: int, fold: int, model, score: float) -> None:
        slot = self.pending.setdefault(candidate, {})
        slot[fold] = (model, score)
        if len(slot) < self.n_folds:
            return
        del self.pending[candidate]
        scores = np.array([slot[k][1] for k in range(self.n_folds)], dtype=float)
        failed = bool(np.isnan(scores).any()) or any(slot[k][0] is None for k in range(self.n_folds))
        self.stats[candidate] = (float("nan"), float("nan")) if failed else (float(scores.mean()),
                                                                             float(scores.std()))
        if not failed:
            self.kept[candidate] = [slot[k][0] for k in range(self.n_folds)]
        self._prune()

    def _prune(self):
        done = {c: s for c, s in self.stats.items() if not np.isnan(s[0])}
        if not done:
            return
        best = max(done, key=lambda c: (done[c][0], -c))
        if self.rule == "best":
            keep = {best}
        else:
            threshold = done[best][0] - done[best][1] / np.sqrt(self.n_folds)
            keep = {c for c, (mean, _) in done.items() if mean >= threshold}
        for c in [c for c in self.kept if c not in keep]:
            del self.kept[c]

    def models(self, candidate: int):
        """The kept fold models of ``candidate`` (None when they were let go)."""
        return self.kept.get(candidate)
