"""The run context: what a report shows, as typed dataclasses checked when they are built.

A run directory's ``run.json`` is :meth:`RunContext.to_dict` written as JSON, and
:meth:`RunContext.from_dict` reads it back. Every part is optional: the report renders what
is present and says what is absent. Lists of numbers hold ``None`` for a missing value (NaN
and infinity are stored as ``null``), drawn as a gap.

``RunContext``
    ``title``, ``created`` (ISO 8601), ``ridgeback_version``, ``metric`` (the score used
    throughout, higher is better; a search's or a path's own metric overrides it), ``dataset``
    (``name``, ``n_rows``, ``n_features``, ``task``, ``target`` and any further scalars),
    ``settings`` (the run's settings; nested dicts are shown as ``a.b``), ``notes``,
    ``history`` (:class:`HistorySummary`), ``tune`` (:class:`SearchSummary`), ``path``
    (:class:`PathSummary`), ``comparison`` (:class:`ComparisonRow` per setting compared),
    ``model`` (:class:`ModelSummary`: the main model's layers, weights and selected inputs),
    ``models`` (further models drawn after it, each named) and ``errors``
    (:class:`~ridgeback.report.errors.ErrorSummary`: the errors on held-out rows, and which
    rows they are).

Each part keeps the entries it does not know in ``extra``: they are written back to
``run.json`` and listed in the report, not drawn. A part read by ``from_dict`` writes its
keys back in the order it read them, nulls included, so that ``to_dict`` gives back the
very dict it was built from; a part built directly writes its fields in declaration order
and leaves out those that are ``None``.

Errors (:class:`~ridgeback.report.parts.ContextError`, a ``ValueError``) name the entry, what
it must be and what it holds, by its path from the top when read by ``RunContext.from_dict``
(``context['tune']['results'][0]['params'] must be a dict of hyper-parameters. Received:
context['tune']['results'][0]['params']=None``), by its field when a part is built directly
(``params must be ...``).
The model's parts are in :mod:`ridgeback.report.model_summary`, the machinery they share in
:mod:`ridgeback.report.parts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._util.jsonify import to_json
from .errors import ErrorSummary
from .model_summary import ModelSummary, SelectedFeatures, WeightHistogram
from .parts import (
    ContextError,
    _check_index,
    _check_number,
    _check_numbers,
    _check_params,
    _check_rows,
    _check_type,
    _fail,
    _is_int,
    _Part,
    _plain,
    _rows,
)

__all__ = ["RunContext", "HistorySummary", "SearchSummary", "Candidate", "PathSummary", "ComparisonRow",
           "ModelSummary", "WeightHistogram", "SelectedFeatures", "ErrorSummary", "ContextError",
           "KNOWN_KEYS"]


# -------------------------------------------------------------------------------------- history
@dataclass(frozen=True, kw_only=True)
class HistorySummary(_Part):
    """Per-epoch curves of one training run; :meth:`ridgeback.History.to_dict` fits as it is.

    ``best_epoch`` is 0-based, as in :class:`ridgeback.History`; its weights were kept.
    """

    train_loss: list | None = None
    val_loss: list | None = None
    penalty: list | None = None
    train_accuracy: list | None = None
    val_accuracy: list | None = None
    best_epoch: int | None = None
    stopped_early: bool | None = None

    def _check(self):
        for key in ("train_loss", "val_loss", "penalty", "train_accuracy", "val_accuracy"):
            _check_numbers(key, getattr(self, key))
        n, best = self.n_epochs, self.best_epoch
        if best is not None and not (_is_int(best) and 0 <= best < max(n, 1)):
            _fail("best_epoch", f"an epoch index in [0, {n}) or null", best)
        _check_type("stopped_early", self.stopped_early, bool, "true, false or null")

    @property
    def n_epochs(self) -> int:
        """Epochs recorded: the longer of the two loss curves."""
        return max(len(self.train_loss or []), len(self.val_loss or []))


# --------------------------------------------------------------------------------------- search
@dataclass(frozen=True, kw_only=True)
class Candidate(_Part):
    """One row of a search: its ``params``, the mean and standard deviation of its fold scores.

    Further numbers (``mean_train_score``, ``mean_fit_time``, ``rank``...) and lists
    (``fold_scores``...) stay in ``extra``; the numbers become table columns.
    """

    params: dict | None = None
    mean_score: float | None = None
    std_score: float | None = None

    _EXPECTED = "a dict with 'params' and 'mean_score'"

    def _check(self):
        _check_type("params", self.params, dict, "a dict of hyper-parameters", optional=False)
        for key in ("mean_score", "std_score"):
            _check_number(key, getattr(self, key))


#: ``refit`` values a search may have used ("none" and false: nothing was refitted)
_REFITS = ("best", "1se", "none", False)


@dataclass(frozen=True, kw_only=True)
class SearchSummary(_Part):
    """The candidates of a search and its answers, as :meth:`ridgeback.TuneResult.to_dict` writes them.

    ``best_index`` is the candidate with the best mean score, ``one_se_index`` the most
    regularized one within one standard error of it, ``refit_index`` the one refitted on all
    rows (under ``refit="best"`` or ``"1se"``). A context written by hand may give
    ``best_params`` and ``one_se_params`` instead of indices. ``metric`` names the score
    (``scoring``, the scikit-learn scorer, when it is absent). ``chosen`` is ``"linear"`` when
    the saved model is the linear baseline because no candidate beat it, ``"average"`` when it
    averages the network with the linear baseline (within one standard error of each other),
    else ``"network"``.
    """

    results: list[Candidate] | None = None
    best_params: dict | None = None
    best_index: int | None = None
    best_score: float | None = None
    one_se_index: int | None = None
    one_se_params: dict | None = None
    refit_index: int | None = None
    refit: str | bool | None = None
    n_folds: int | None = None
    metric: str | None = None
    scoring: str | None = None
    chosen: str | None = None

    _PARTS = {"results": _rows(Candidate)}

    def _check(self):
        _check_rows("results", self.results, Candidate, "a list of candidate dicts", optional=False)
        for key in ("best_params", "one_se_params"):
            _check_params(key, getattr(self, key))
        for key in ("best_index", "one_se_index", "refit_index"):
            _check_index(key, getattr(self, key), len(self.results))
        _check_number("best_score", self.best_score)
        if self.refit is not None and not any(self.refit is r or self.refit == r for r in _REFITS):
            _fail("refit", "'best', '1se', 'none', false or null", self.refit)
        if self.n_folds is not None and not (_is_int(self.n_folds) and self.n_folds >= 2):
            _fail("n_folds", "an integer >= 2 or null", self.n_folds)
        for key in ("metric", "scoring"):
            _check_type(key, getattr(self, key), str, "a string or null")
        if self.chosen not in (None, "network", "linear", "average"):
            _fail("chosen", "'network', 'linear', 'average' or null", self.chosen)

    @classmethod
    def from_dict(cls, data: dict) -> SearchSummary:
        return super().from_dict(_before_one_se_index(data) if isinstance(data, dict) else data)

    @property
    def score_name(self) -> str | None:
        """The metric's name: ``metric``, else ``scoring``."""
        return self.metric or self.scoring

    def answer(self, which: str) -> tuple[int | None, dict | None]:
        """``(index, params)`` of the ``"best"`` or the ``"one_se"`` candidate.

        The index is None where the search gave parameters only; the parameters are None
        where it gave neither.
        """
        index, params = ((self.best_index, self.best_params) if which == "best"
                         else (self.one_se_index, self.one_se_params))
        if index is not None:
            return index, self.results[index].params
        return None, params

    @property
    def refitted(self) -> bool:
        """Whether the search refitted a candidate on all rows (``refit`` "best" or "1se")."""
        return self.refit in ("best", "1se")


def _before_one_se_index(data: dict) -> dict:
    """Read a search written before ``one_se_index`` and ``refit_index`` existed.

    Such a search has ``best_score_index`` (the best mean score) and no ``one_se_index``; its
    ``best_index`` named the refit choice (the 1-SE candidate under ``refit="1se"``) and its
    ``best_params`` that candidate's parameters. The indices are given today's meaning;
    ``best_score_index`` is kept as it was.
    """
    if "best_score_index" not in data or "one_se_index" in data or "refit_index" in data:
        return data
    data = dict(data)
    chosen, refit = data.get("best_index"), data.get("refit")
    data["best_index"] = data["best_score_index"]
    if chosen is not None and refit in ("best", "1se"):
        data["refit_index"] = chosen
    if refit == "1se":
        if chosen is not None:
            data["one_se_index"] = chosen
        # best_params were the 1-SE candidate's: they become the best candidate's
        data.pop("best_params", None)
        best, results = data["best_score_index"], data.get("results")
        if _is_int(best) and isinstance(results, list) and 0 <= best < len(results) \
                and isinstance(results[best], dict) and "params" in results[best]:
            data["best_params"] = results[best]["params"]
    return data


# ----------------------------------------------------------------------------------------- path
@dataclass(frozen=True, kw_only=True)
class PathSummary(_Part):
    """A cross-validated regularization path; :meth:`ridgeback.RegularizationPath.to_dict` fits as it is.

    Every per-strength list has one entry per ``values`` entry. The band drawn around the
    validation score is ``se_score`` when given, else ``std_score / sqrt(n_folds)`` (both
    "±1 SE", the rule behind ``lambda_1se``), else ``std_score``. ``train_score`` is read
    from ``mean_train_score`` when absent; ``metric`` from ``scoring``.
    """

    param: str | None = None
    values: list | None = None
    mean_score: list | None = None
    std_score: list | None = None
    se_score: list | None = None
    train_score: list | None = None
    mean_train_score: list | None = None
    n_nonzero: list | None = None
    n_active_features: list | None = None
    lambda_min: float | None = None
    lambda_1se: float | None = None
    n_folds: int | None = None
    metric: str | None = None
    scoring: str | None = None

    def _check(self):
        if not self.values:
            _fail("values", "a non-empty list of penalty strengths", self.values)
        _check_numbers("values", self.values)
        n, per = len(self.values), "value in values"
        for key in ("mean_score", "std_score"):
            _check_numbers(key, getattr(self, key), n, per, optional=False)
        for key in ("se_score", "train_score", "mean_train_score", "n_nonzero", "n_active_features"):
            _check_numbers(key, getattr(self, key), n, per)
        for key in ("lambda_min", "lambda_1se"):
            _check_number(key, getattr(self, key))
        if self.n_folds is not None and not (_is_int(self.n_folds) and self.n_folds >= 2):
            _fail("n_folds", "an integer >= 2 or null", self.n_folds)
        for key in ("param", "metric", "scoring"):
            _check_type(key, getattr(self, key), str, "a string or null")

    @property
    def score_name(self) -> str | None:
        """The metric's name: ``metric``, else ``scoring``."""
        return self.metric or self.scoring

    @property
    def training_score(self) -> list | None:
        """The training score per strength: ``train_score``, else ``mean_train_score``."""
        return self.train_score if self.train_score is not None else self.mean_train_score


# ----------------------------------------------------------------------------------- comparison
@dataclass(frozen=True, kw_only=True)
class ComparisonRow(_Part):
    """One regularization setting of a comparison (e.g. none, L1, L2, dropout).

    ``zero_fraction`` is the share of weights exactly zero, ``weight_norms`` one norm per
    layer, ``params`` the chosen settings.
    """

    name: str | None = None
    cv_score: float | None = None
    test_score: float | None = None
    zero_fraction: float | None = None
    weight_norms: list | None = None
    active_features: int | None = None
    params: dict | None = None

    _EXPECTED = "a dict with a 'name'"

    def _check(self):
        _check_type("name", self.name, str, "a string naming the setting", optional=False)
        for key in ("cv_score", "test_score", "zero_fraction"):
            _check_number(key, getattr(self, key))
        _check_numbers("weight_norms", self.weight_norms)
        _check_type("active_features", self.active_features, int, "an integer or null")
        _check_params("params", self.params)


# ---------------------------------------------------------------------------------- run context
#: the keys a run context's dict may hold; any other is kept in ``extra``
KNOWN_KEYS = frozenset(("title", "created", "ridgeback_version", "metric", "model", "dataset", "settings",
                        "columns", "history", "tune", "path", "comparison", "layers", "weights",
                        "selected_features", "models", "notes", "errors"))
#: the order ``RunContext.to_dict`` writes them in (that of ``ridgeback tune`` and ``demo``)
_ORDER = ("title", "metric", "dataset", "settings", "columns", "history", "layers", "weights",
          "selected_features", "tune", "errors", "path", "comparison", "notes", "model", "models", "created",
          "ridgeback_version")


@dataclass(frozen=True, kw_only=True)
class RunContext(_Part):
    """Everything a report shows about one run; see the module docstring for each part.

    Examples
    --------
    >>> ctx = RunContext.from_dict({"title": "demo", "history": {"train_loss": [0.9, 0.5]}})
    >>> ctx.history.n_epochs, ctx.to_dict()
    (2, {'title': 'demo', 'history': {'train_loss': [0.9, 0.5]}})
    >>> RunContext.from_dict({"notes": "imputed"})
    Traceback (most recent call last):
    ...
    ridgeback.report.parts.ContextError: `context['notes']` must be a list of strings. \
Received: context['notes']='imputed'
    """

    title: str | None = None
    created: str | None = None
    ridgeback_version: str | None = None
    metric: str | None = None
    dataset: dict | None = None
    settings: dict | None = None
    columns: list[dict] | None = None
    notes: list[str] | None = None
    history: HistorySummary | None = None
    tune: SearchSummary | None = None
    path: PathSummary | None = None
    comparison: list[ComparisonRow] | None = None
    model: ModelSummary | None = None
    models: list[ModelSummary] | None = None
    errors: ErrorSummary | None = None

    # "model" is built from the top-level keys by from_dict; a part all the same (not converted)
    _PARTS = {"history": HistorySummary.from_dict, "tune": SearchSummary.from_dict,
              "path": PathSummary.from_dict, "comparison": _rows(ComparisonRow),
              "models": _rows(ModelSummary), "model": None, "errors": ErrorSummary.from_dict}

    def _check(self):
        for key in ("title", "created", "ridgeback_version", "metric"):
            _check_type(key, getattr(self, key), str, "a string")
        for key in ("dataset", "settings"):
            _check_type(key, getattr(self, key), dict, "a dict")
        for key, kind in (("history", HistorySummary), ("tune", SearchSummary), ("path", PathSummary),
                          ("model", ModelSummary), ("errors", ErrorSummary)):
            _check_type(key, getattr(self, key), kind, f"a {kind.__name__} or null")
        _check_rows("comparison", self.comparison, ComparisonRow, "a list of dicts")
        _check_rows("models", self.models, ModelSummary, "a list of model dicts")
        for i, extra in enumerate(self.models or []):
            if not isinstance(extra.name, str):
                _fail(("models", i, "model"), "a string naming the model", extra.name)
        if self.notes is not None and not (isinstance(self.notes, list) and all(isinstance(n, str)
                                                                                  for n in self.notes)):
            _fail("notes", "a list of strings", self.notes)
        if self.columns is not None and not (isinstance(self.columns, list) and all(
                isinstance(c, dict) and isinstance(c.get("column"), str) for c in self.columns)):
            _fail("columns", "a list of column plans (dicts with a 'column' name)", self.columns)

    @classmethod
    def from_dict(cls, data: dict) -> RunContext:
        """Read a context dict (``run.json``): NumPy values are converted, every part is checked.

        The main model's sections (``model``, ``layers``, ``weights``, ``selected_features``)
        sit at the top of the dict and become :attr:`model`.
        """
        if not isinstance(data, dict):
            raise ContextError((), "be a dict", data, root="context")
        data = to_json(data, "context")
        main = {k: data[k] for k in ModelSummary.KEYS if k in data}
        rest = {k: v for k, v in data.items() if k not in main}
        try:
            model = ModelSummary.from_dict(main) if main else None
            return cls._read(rest, tuple(data), model=model)
        except ContextError as exc:
            raise exc.under(root="context") from None

    def to_dict(self) -> dict:
        values = self._values()
        model = values.pop("model", None)
        values.update(model or {})
        values.update(_plain(self.extra))
        ordered = {k: values[k] for k in (*_ORDER, *self.extra) if k in values}
        return {**{k: ordered[k] for k in self._given if k in ordered}, **ordered}

    @property
    def drawn_models(self) -> list[ModelSummary]:
        """The main model, then the further ones, each where it has anything to draw."""
        return [m for m in (self.model, *(self.models or [])) if m is not None and m.has_sections()]
