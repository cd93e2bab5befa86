"""The metrics layer: one vocabulary of scores (scikit-learn's scorer names) for ``tune``,
``train``, ``evaluate`` and the report; see :mod:`ridgeback.metrics.scorers`."""

from .scorers import (
    CLASSIFICATION_METRICS,
    DEFAULT_METRIC,
    METRICS,
    REGRESSION_METRICS,
    Scorer,
    check_metric,
    get_scorer,
    metric_from_predictions,
    plain_name,
    scores,
)

__all__ = ["CLASSIFICATION_METRICS", "REGRESSION_METRICS", "METRICS", "DEFAULT_METRIC", "check_metric",
           "get_scorer", "Scorer", "scores", "metric_from_predictions", "plain_name"]
