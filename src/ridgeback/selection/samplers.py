"""Model-based sampling of candidates: Optuna's TPE sampler behind ``tune(search="tpe")``.

The optional ``[optuna]`` extra. Optuna's :class:`optuna.samplers.TPESampler` proposes each
candidate from the scores of those before it (ask), the candidate is cross-validated on the
search's folds with the search's seeds, and its mean score is told back (tell). The sampler
is seeded from the search's ``random_state`` and candidates are asked one at a time (their
folds still run in parallel), so the sequence of candidates, and every result, is the same
serially, with ``n_jobs`` and on Dask.

Each grid entry becomes a categorical choice among its listed values (by index, so that
tuples such as hidden sizes are allowed); distributions are not supported here.
"""

from __future__ import annotations

from .budget import passed
from .crossval import derive_seed

__all__ = ["tpe_candidates"]


def _optuna():
    try:
        import optuna
    except ImportError:  # pragma: no cover - the [optuna] extra is missing
        raise ValueError("search='tpe' needs Optuna (pip install 'ridgeback[optuna]'). "
                         "Received: search='tpe'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def tpe_candidates(grids, n_iter, entropy, evaluate, deadline=None):
    """Ask TPE for ``n_iter`` candidates of ``grids`` (one dict of lists), evaluating each with
    ``evaluate(params) -> mean score`` (NaN: failed) before asking for the next.

    Returns the list of candidates in the order asked (fewer when ``deadline`` passed).
    """
    optuna = _optuna()
    if len(grids) != 1 or any(not hasattr(v, "__len__") for v in grids[0].values()):
        raise ValueError(f"search='tpe' takes one grid dict of value lists. Received: grid={grids!r}")
    grid = grids[0]
    space = {name: optuna.distributions.CategoricalDistribution(list(range(len(values))))
             for name, values in grid.items()}
    sampler = optuna.samplers.TPESampler(seed=derive_seed(entropy, 2))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    asked = []
    for _ in range(n_iter):
        if passed(deadline):
            break
        trial = study.ask(space)
        params = {name: grid[name][trial.params[name]] for name in grid}
        asked.append(params)
        score = evaluate(params)
        if score != score:  # NaN: a diverged candidate
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, score)
    return asked
