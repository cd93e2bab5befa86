"""The model directory format: its layout, its version, its file names and the bounds a reader checks.

Layout of a model directory::

    model.json    format_version, ridgeback version, kind, architecture (Sequential.get_config()),
                  estimator class and parameters, preprocessing config, class labels, feature
                  names, training history, a regressor's target scaling (mean and scale per
                  output, already folded into the output layer; kept for warm starts), the
                  feature groups the estimator was trained with (one label per input; the
                  groups of a GroupL1 are also in its layer's config),
                  the array manifest {name: {shape, dtype}} and the
                  SHA-256 of weights.npz
    weights.npz   one ``NAME.npy`` member per parameter ("0.weight", "0.bias", ...) and per
                  buffer (a BatchNorm's "1.running_mean", "1.running_var"), plain numeric
                  dtypes, never pickle

A fold ensemble (``kind: "ensemble"``, :class:`~ridgeback.selection.ensemble.FoldEnsemble`) is
a directory of member directories, each a complete model directory as above::

    model.json    format_version, kind "ensemble", task, and the members in order, each
                  {"dir": "member-K", "model_sha256": SHA-256 of its model.json}, and
                  "weights" (one per member, summing to 1) when they are not equal (a blend)
    member-0/     model.json + weights.npz of the first fold's model
    member-1/     ...

The members are written first, ``model.json`` last; a member's ``model.json`` records its
weights' hash, and the ensemble's records each member's ``model.json`` hash, so a directory
mixed from two saves is detected on load. Members are loaded and validated as any model
directory; they must be of one kind (all TabularModels or all estimators) and one task.
"""

from __future__ import annotations

__all__ = ["FORMAT_VERSION", "MODEL_FILE", "WEIGHTS_FILE", "MAX_JSON_BYTES", "MAX_ARRAY_ELEMENTS",
           "MAX_TOTAL_ELEMENTS", "MAX_LAYERS", "MAX_MEMBERS", "PRE_PREFIX", "estimator_classes"]

FORMAT_VERSION = 1
MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
#: bounds checked before anything is allocated
MAX_JSON_BYTES = 16 * 2**20
MAX_ARRAY_ELEMENTS = 2**26
MAX_TOTAL_ELEMENTS = 2**27
MAX_LAYERS = 1000
MAX_MEMBERS = 100
#: names of the preprocessor's arrays in weights.npz start with this
PRE_PREFIX = "preprocessing."


def estimator_classes():
    """The estimator classes a model file may name in ``estimator.class``, by name."""
    from ..estimators.classifier import MLPClassifier
    from ..estimators.regressor import MLPRegressor

    return {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}
