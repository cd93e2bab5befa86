"""Model directories: ``model.json`` + ``weights.npz``, written atomically, loaded with suspicion.

The format (layout, version, bounds) is :mod:`~ridgeback.persist.model_format`; reading and
validating a directory is :mod:`~ridgeback.persist.loading`, whose :func:`load` is importable
from here too.

Saving writes ``weights.npz`` first and ``model.json`` last, each through a temporary file,
fsync and rename; a new directory is assembled under a temporary name and renamed into place.
Because the JSON records the weights' hash, a pair from two different saves (a crash between
the two renames) is detected on load.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from .._util.files import atomic_write_bytes, atomic_write_text, fsync_dir
from .._util.jsonify import to_json
from .._version import __version__
from ..engine.history import History
from ..engine.inspection import final_step, network_of
from ..engine.network import Sequential
from .loading import load
from .model_format import FORMAT_VERSION, MAX_MEMBERS, MODEL_FILE, PRE_PREFIX, WEIGHTS_FILE, estimator_classes
from .npz import ModelFormatError, npz_bytes

__all__ = ["FORMAT_VERSION", "ModelFormatError", "save", "load"]


def _kind(model):
    from ..selection.ensemble import FoldEnsemble
    from ..tabular.model import TabularModel

    if isinstance(model, FoldEnsemble):
        return "ensemble"
    if isinstance(model, TabularModel):
        return "tabular"
    if isinstance(model, Sequential):
        return "sequential"
    if type(model).__name__ in estimator_classes() and hasattr(model, "network_"):
        return "estimator"
    raise ValueError(f"`model` must be a fitted TabularModel, MLPClassifier, MLPRegressor or a Sequential. "
                     f"Received: model of type {type(model).__name__}")


def _estimator_section(est):
    params, dropped = {}, []
    for name, value in est.get_params(deep=False).items():
        try:
            params[name] = to_json(value)
        except ValueError:  # e.g. a Generator as random_state: not reproducible from a file
            params[name], dropped = None, dropped + [name]
    section = {"class": type(est).__name__, "params": params, "params_not_saved": dropped,
               "n_features_in": int(est.n_features_in_),
               "feature_names_in": to_json(getattr(est, "feature_names_in_", None)),
               "history": None}
    if isinstance(getattr(est, "history_", None), History):
        section["history"] = to_json(est.history_.to_dict())
    if getattr(est, "feature_groups_", None) is not None:  # the feature of each input (group_l1's groups)
        section["feature_groups"] = to_json(list(est.feature_groups_))
    if hasattr(est, "target_mean_"):  # MLPRegressor(scale_target=True): folded into the output layer,
        # kept so that a warm start can train on in the same units
        section["target_scaling"] = {"mean": to_json(est.target_mean_),
                                     "scale": to_json(est.target_scale_)}
    if getattr(est, "target_range_", None) is not None:  # MLPRegressor: what clip_predictions clips to
        section["target_range"] = {"min": to_json(est.target_range_[0]), "max": to_json(est.target_range_[1])}
    if hasattr(est, "classes_"):
        classes = np.asarray(est.classes_)
        section["classes"] = to_json(classes)
        section["classes_dtype"] = "object" if classes.dtype.kind == "O" else classes.dtype.str
    if hasattr(est, "class_weight_"):  # as trained ("balanced" needs the training labels' counts)
        section["class_weight"] = to_json(est.class_weight_)
    return section


def save(model, path) -> Path:
    """Save a fitted model as a directory ``path`` (``model.json`` + ``weights.npz``).

    Parameters
    ----------
    model : TabularModel, MLPClassifier, MLPRegressor or Sequential
    path : str or Path
        The directory; created if needed. An existing directory keeps its other files.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from ridgeback import mlp, save, load
    >>> net = mlp([3, 4, 2], seed=0)
    >>> d = save(net, tempfile.mkdtemp() + "/model")
    >>> bool(np.array_equal(load(d).layers[0].weight.data, net.layers[0].weight.data))
    True
    """
    kind = _kind(model)
    doc = {"format": "ridgeback-model", "format_version": FORMAT_VERSION, "ridgeback_version": __version__,
           "kind": kind}
    if kind == "ensemble":
        return _save_ensemble(model, Path(path), doc)
    if kind == "tabular":
        model._check_fitted()
    network = network_of(model)
    estimator = None if kind == "sequential" else final_step(model)
    arrays = {name: p.data for name, p in network.named_parameters()}
    arrays.update(network.named_buffers())
    for name, array in arrays.items():
        if not np.all(np.isfinite(array)):
            raise ValueError(f"Parameter {name!r} holds NaN or infinity; refusing to save a broken model. "
                             f"Received: {name} with {int(np.sum(~np.isfinite(array)))} non-finite values")
    if kind == "tabular":
        # what the preprocessor learned as arrays (text encodings) sits beside the weights
        arrays.update({PRE_PREFIX + name: a for name, a in model.preprocessor.get_arrays().items()})
    weights = npz_bytes(arrays)
    doc["architecture"] = network.get_config()
    if estimator is not None:
        doc["estimator"] = _estimator_section(estimator)
    if kind == "tabular":
        doc["tabular"] = {"feature_names_in": list(model.feature_names_in_),
                          "preprocessing": model.preprocessor.get_config()}
        if getattr(model, "target_name_", None) is not None:  # the column predict may meet again
            doc["tabular"]["target"] = model.target_name_
    doc["arrays"] = {name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in arrays.items()}
    doc["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return _write_directory(Path(path), weights, text)


def _save_ensemble(ensemble, target: Path, doc: dict) -> Path:
    """Each member into ``member-K/`` (a model directory of its own), then ``model.json``."""
    if target.exists() and not target.is_dir():
        raise ValueError(f"The model path exists and is not a directory. Received: path={str(target)!r}")
    members = ensemble.members
    if not 1 <= len(members) <= MAX_MEMBERS:
        raise ValueError(f"An ensemble must have 1 to {MAX_MEMBERS} members. "
                         f"Received: {len(members)} members")
    kinds = {_kind(m) for m in members}
    if not kinds <= {"tabular", "estimator"}:
        raise ValueError(f"Ensemble members must be TabularModels or fitted MLP estimators (a Pipeline: "
                         f"make it a TabularModel). Received: members of type {type(members[0]).__name__}")
    target.mkdir(parents=True, exist_ok=True)
    entries = []
    for k, member in enumerate(members):
        directory = save(member, target / f"member-{k}")
        digest = hashlib.sha256((directory / MODEL_FILE).read_bytes()).hexdigest()
        entries.append({"dir": f"member-{k}", "model_sha256": digest})
    for stale in target.glob("member-*"):  # members of an earlier, larger ensemble saved here
        if stale.is_dir() and stale.name not in {e["dir"] for e in entries} and \
                re.fullmatch(r"member-\d+", stale.name):
            shutil.rmtree(stale, ignore_errors=True)
    doc.update({"task": ensemble.task, "members": entries})
    if not ensemble.uniform:  # a blend: each member's share of the average
        doc["weights"] = [float(w) for w in ensemble.weights]
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write_text(target / MODEL_FILE, text)
    return target


def _write_directory(target: Path, weights: bytes, text: str) -> Path:
    if target.exists() and not target.is_dir():
        raise ValueError(f"The model path exists and is not a directory. Received: path={str(target)!r}")
    if target.is_dir():
        # weights first, JSON last: the hash in the JSON exposes a crash between the two
        atomic_write_bytes(target / WEIGHTS_FILE, weights)
        atomic_write_text(target / MODEL_FILE, text)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        atomic_write_bytes(tmp / WEIGHTS_FILE, weights)
        atomic_write_text(tmp / MODEL_FILE, text)
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(target.parent)
    return target
