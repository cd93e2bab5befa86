"""What ``ridgeback tune`` saves besides a single refit: seeded refits averaged (``--ensemble
seeds``), the fold models (``--ensemble folds``), a weighted blend of candidates and the linear
baseline (``--ensemble blend``), and the linear baseline itself, each built from the search's
result as TabularModels with the run's preprocessing."""

from __future__ import annotations

import math

import numpy as np

from .common import make_estimator, make_preprocessor
from .search_helpers import PREPROCESSING_GRID, split_preprocessing, status


def ensemble_setting(settings, no_hints=False) -> str:
    """--ensemble or its TOML key; unset: ``"seeds"`` for the no-hints search without a time
    budget, else ``"none"``."""
    value = settings.get("ensemble") or ("seeds" if no_hints else "none")
    if value not in ENSEMBLE_CHOICES:
        raise ValueError(f"`ensemble` must be 'none', 'folds', 'seeds' or 'blend'. "
                         f"Received: ensemble={value!r}")
    return value


#: the values of --ensemble
ENSEMBLE_CHOICES = ("none", "folds", "seeds", "blend")


#: members of ``--ensemble seeds``: the chosen candidate refitted with seeds seed, seed+1, ...
SEED_MEMBERS = 5


def seed_ensemble(args, task, base, params, X, y, epochs, first):
    """The chosen ``params`` refitted on all rows with ``SEED_MEMBERS`` seeds (``first``, the
    single refit, is the member of the run's own seed), as one averaged model.

    Averaging networks that differ only in their initialization and minibatch order removes
    part of their variance (a deep ensemble); benchmarks/QUALITY.md measures it.
    """
    from ..selection.ensemble import FoldEnsemble

    seed = base.get("random_state") or 0
    status(args, f"refitting it with {SEED_MEMBERS - 1} more seeds for the ensemble ...")
    matrix = first.encode(X)  # the same rows: encoded once, by the first member's preprocessor
    like = (first, matrix)
    members = [refit(args, task, base, {**params, "random_state": seed + k}, X, y, epochs, like)
               for k in range(1, SEED_MEMBERS)]
    return FoldEnsemble([first, *members])


def with_linear(args, task, base, seeds, baseline, X, y):
    """The seed ensemble ``seeds`` and the ``baseline``'s linear model (refitted on all rows)
    averaged half and half: each seed member weighs :math:`1/(2M)`, the linear model
    :math:`1/2` (the no-hints regression's answer when the cross-validation cannot tell the
    network from the linear model: :func:`~ridgeback.selection.rules.baseline_choice`)."""
    from ..selection.ensemble import FoldEnsemble

    members = list(seeds.members)
    like = (members[0], members[0].encode(X))
    return FoldEnsemble([*members, linear_model(args, task, base, baseline, X, y, like)],
                        [0.5 / len(members)] * len(members) + [0.5])


def blend_of(result, y, metric):
    """The greedy blend of the search's candidates and the linear baseline on their
    out-of-fold predictions (:func:`~ridgeback.selection.blend.blend_search`), or None; its
    ``refits`` say how many times each member is refitted (``SEED_MEMBERS`` shared by the
    networks' weights, at least one each; the linear baseline once)."""
    from ..selection.blend import LINEAR, apportion, blend_search

    blend = blend_search(result, y.to_numpy(), metric)
    if blend is None:
        return None
    networks = {i: w for i, w in blend["weights"].items() if i != LINEAR}
    refits = apportion(networks, SEED_MEMBERS) if networks else {}
    return {**blend, "refits": {**refits, **({LINEAR: 1} if LINEAR in blend["weights"] else {})}}


def blend_networks(blend) -> list:
    """The network candidates (indices) in ``blend``, without the linear baseline."""
    from ..selection.blend import LINEAR

    return [k for k in blend["weights"] if k != LINEAR]


def blend_ensemble(args, task, base, result, blend, X, y, first, first_index):
    """The blend as one weighted FoldEnsemble: each network candidate refitted on all rows with
    seeds (``SEED_MEMBERS`` refits shared by weight, at least one each; ``first``, the single
    refit of candidate ``first_index``, is its seed-0 member), the linear baseline refitted once;
    a member's weight is its candidate's weight over its refits."""
    from ..selection.blend import LINEAR
    from ..selection.ensemble import FoldEnsemble

    networks = {i: blend["weights"][i] for i in blend_networks(blend)}
    counts = blend["refits"]
    seed = base.get("random_state") or 0
    status(args, f"refitting the blend: {blend_text(blend)} ...")
    members, weights = [], []
    like = (first, first.encode(X))  # the same rows: encoded once, by the first refit's preprocessor
    for i, weight in networks.items():
        row = result.results_[i]
        for k in range(counts[i]):
            member = first if (i == first_index and k == 0) else refit(
                args, task, base, {**row["params"], "random_state": seed + k}, X, y, row.get("epochs"), like)
            members.append(member)
            weights.append(weight / counts[i])
    if LINEAR in blend["weights"]:
        members.append(linear_model(args, task, base, result.baseline, X, y, like))
        weights.append(blend["weights"][LINEAR])
    return FoldEnsemble(members, weights)


def blend_text(blend) -> str:
    """``candidate 4 (0.56, 4 refits) + the linear baseline (0.33) + ...``, heaviest first."""
    from ..selection.blend import LINEAR

    parts = []
    for key, weight in sorted(blend["weights"].items(), key=lambda kv: -kv[1]):
        n = blend["refits"][key]
        refits = "" if key == LINEAR else f", {n} refit{'s' * (n > 1)}"
        name = "the linear baseline" if key == LINEAR else f"candidate {key}"
        parts.append(f"{name} ({weight:.2f}{refits})")
    return " + ".join(parts)


def blend_record(blend) -> dict:
    """run.json's ``tune.blend``: the weights (by candidate index, or "linear"), the blended and
    single out-of-fold scores and the pool the blend drew on."""
    return {"members": [{"candidate": key, "weight": weight, "refits": blend["refits"][key],
                         "oof_score": blend["single"][key], "cv_score": blend["cv"][key]}
                        for key, weight in sorted(blend["weights"].items(), key=lambda kv: -kv[1])],
            "oof_score": blend["score"], "steps": blend["steps"], "pool": blend["pool"],
            "text": blend_text(blend)}


def refit(args, task, base, params, X, y, epochs=None, like=None):
    """The ``params`` over the ``base`` settings (for ``epochs``, as the search evaluated them,
    when given) fitted on all rows as a TabularModel with the run's preprocessing (with the
    candidate's scaling when --grid searched it); ``like``: ``(model, matrix)``, a model already
    fitted on these rows whose preprocessor is shared (and ``X`` as it encodes it), instead of
    fitting the preprocessing again, when it scales as the candidate does."""
    from ..tabular.model import TabularModel

    params, preprocessing = split_preprocessing(params)  # a --grid scaling: the candidate's own
    estimator = make_estimator(task, {**base, **params, **({"max_epochs": epochs} if epochs else {})})
    preprocessor = make_preprocessor({**args.settings, **preprocessing})
    if _shares(like, preprocessor):
        model, matrix = like
        return model.fit_alongside(estimator, X, y, matrix)
    return TabularModel(estimator, preprocessor).fit(X, y)


def _shares(like, preprocessor) -> bool:
    """Whether ``like``'s fitted preprocessor is ``preprocessor`` fitted on the same rows: the
    same values of the parameters a --grid may vary (``PREPROCESSING_GRID``: candidates that
    differ in them each have their own)."""
    return like is not None and all(getattr(like[0].preprocessor, name) == getattr(preprocessor, name)
                                    for name in PREPROCESSING_GRID)


#: share of the rows ``--ensemble folds`` holds out to measure the ensemble against a single refit
ENSEMBLE_HOLDOUT = 0.2


def hold_out(X, y, task, seed):
    """``(X_rest, y_rest, (X_held, y_held))``: a seeded share ``ENSEMBLE_HOLDOUT`` of the rows
    set aside, stratified for classification. Every class keeps a row among the rest (held
    out, a class would be one the models never saw, its score undefined): the rows of a class
    with a single row are never held out, and where the classes outnumber the held-out rows
    (no stratified split then) a class whose rows all fell aside gets one back."""
    from sklearn.model_selection import train_test_split

    if len(X) < 10:
        raise ValueError(f"--ensemble folds holds out {ENSEMBLE_HOLDOUT:.0%} of the rows and needs at least "
                         f"10 rows. Received: {len(X)} rows")
    rows = np.arange(len(X))
    if task != "classification":
        rest, held = train_test_split(rows, test_size=ENSEMBLE_HOLDOUT, random_state=seed)
    else:
        single = (y.map(y.value_counts()) < 2).to_numpy()
        pool = rows[~single]
        stratify = y.iloc[pool]
        n_held = math.ceil(ENSEMBLE_HOLDOUT * len(pool))
        if stratify.nunique() > min(n_held, len(pool) - n_held):  # too few rows to stratify
            stratify = None
        rest, held = train_test_split(pool, test_size=ENSEMBLE_HOLDOUT, random_state=seed, stratify=stratify)
        labels = y.to_numpy()
        seen, back = set(labels[rest].tolist()), []
        for i, row in enumerate(held):  # one row back for each class the rest lacks
            if labels[row] not in seen:
                seen.add(labels[row])
                back.append(i)
        if single.any() or back:
            rest = np.sort(np.concatenate([rest, rows[single], held[back]]))
            held = np.delete(held, back)
    X_rest, y_rest = X.iloc[rest], y.iloc[rest]
    return X_rest.reset_index(drop=True), y_rest.reset_index(drop=True), (X.iloc[held], y.iloc[held])


def tabular_fold_ensemble(fold_ensemble):
    """The search's FoldEnsemble of Pipelines as one of TabularModels (which save and load)."""
    from ..selection.ensemble import FoldEnsemble
    from ..tabular.model import TabularModel

    return FoldEnsemble([TabularModel.from_fitted(pipe.steps[-1][1], pipe.steps[0][1])
                         for pipe in fold_ensemble.members])


def ensemble_gain(ensemble, single, holdout, metric) -> dict:
    """The ensemble's and the single refit's scores on the held-out rows, and the gain in the
    search's ``metric`` (higher is better, so a positive gain favours the ensemble)."""
    X_held, y_held = holdout
    ens, one = (m.evaluate(X_held, y_held, metric=metric) for m in (ensemble, single))
    return {"metric": metric, "n_members": ensemble.n_members, "holdout_rows": int(len(X_held)),
            "ensemble": ens, "single_refit": one, "gain": ens["score"] - one["score"]}


def linear_model(args, task, base, baseline, X, y, like=None):
    """The baseline's linear model refitted on all rows (the run's preprocessing), as a
    TabularModel holding a ridgeback network without hidden layer; ``like``: ``(model,
    matrix)`` as for :func:`refit`, a model already fitted on these rows whose preprocessor is
    shared instead of fitted again."""
    from ..selection.baseline import as_network_estimator, fit_linear
    from ..tabular.model import TabularModel, target_name
    from ..tabular.target import check_target

    status(args, f"refitting the linear baseline ({baseline['model']}, {baseline['param']}="
                 f"{baseline['value']:g}) on all {len(X)} rows ...")
    preprocessor = make_preprocessor(args.settings)  # as the baseline was cross-validated
    target = check_target(y, task).to_numpy()
    if _shares(like, preprocessor):
        preprocessor, matrix = like[0].preprocessor, like[1]
    else:
        matrix = preprocessor.fit_transform(X, target)
    template = make_estimator(task, base)
    linear = fit_linear(baseline, np.asarray(matrix), target, like=template)
    estimator = as_network_estimator(linear, template, len(target))
    return TabularModel.from_fitted(estimator, preprocessor, target_name(y))
