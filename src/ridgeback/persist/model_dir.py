"""Model directories: ``model.json`` + ``weights.npz``, written atomically, loaded with suspicion.

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

Saving writes ``weights.npz`` first and ``model.json`` last, each through a temporary file,
fsync and rename; a new directory is assembled under a temporary name and renamed into place.
Because the JSON records the weights' hash, a pair from two different saves (a crash between
the two renames) is detected on load.

Loading trusts nothing: the JSON size, syntax, UTF-8 and every field are checked; declared
sizes are bounded before anything is allocated; the zip directory is checked (member names,
sizes, compression) before a member is read; each member's ``.npy`` header must match the
manifest and the architecture; values must be finite. Any failure raises
:class:`ModelFormatError` (a ``ValueError``) naming the file and the problem. Nothing in a
model file is ever executed: no pickle, no class looked up by an arbitrary name.
"""

from __future__ import annotations

import hashlib
import json
import math
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
from ..engine.layers import LAYERS
from ..engine.network import Sequential
from .npz import ModelFormatError, fail, npz_bytes, read_bounded, read_npz

__all__ = ["FORMAT_VERSION", "ModelFormatError", "save", "load"]

FORMAT_VERSION = 1
MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
#: bounds checked before anything is allocated
MAX_JSON_BYTES = 16 * 2**20
MAX_ARRAY_ELEMENTS = 2**26
MAX_TOTAL_ELEMENTS = 2**27
MAX_LAYERS = 1000
MAX_MEMBERS = 100
_DTYPES = ("float32", "float64")
_CLASS_DTYPES = r"object|[<>|=]?([biuf]\d{1,2}|U\d{1,6})"
#: names of the preprocessor's arrays in weights.npz start with this
PRE_PREFIX = "preprocessing."


# --------------------------------------------------------------------------- save

def _kind(model):
    from ..selection.ensemble import FoldEnsemble
    from ..tabular.model import TabularModel

    if isinstance(model, FoldEnsemble):
        return "ensemble"
    if isinstance(model, TabularModel):
        return "tabular"
    if isinstance(model, Sequential):
        return "sequential"
    if type(model).__name__ in _estimator_classes() and hasattr(model, "network_"):
        return "estimator"
    raise ValueError(f"`model` must be a fitted TabularModel, MLPClassifier, MLPRegressor or a Sequential. "
                     f"Received: model of type {type(model).__name__}")


def _estimator_classes():
    from ..estimators.mlp import MLPClassifier, MLPRegressor

    return {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}


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


def _load_ensemble(directory: Path, doc: dict, where: str):
    from ..selection.ensemble import FoldEnsemble

    entries = doc.get("members")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_MEMBERS:
        fail(where, f"\"members\" must be a list of 1 to {MAX_MEMBERS} members",
             f"members={str(entries)[:200]}")
    members = []
    for k, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("dir") != f"member-{k}" or \
                not isinstance(entry.get("model_sha256"), str):
            fail(where, f"member {k} must be {{\"dir\": \"member-{k}\", \"model_sha256\": ...}}",
                 f"members[{k}]={str(entry)[:200]}")
        member_dir = directory / entry["dir"]
        raw = read_bounded(member_dir / MODEL_FILE, MAX_JSON_BYTES, "the member's model.json is missing",
                           f"{MAX_JSON_BYTES} bytes")
        if hashlib.sha256(raw).hexdigest() != entry["model_sha256"]:
            fail(where, f"member {k}'s model.json does not match the SHA-256 recorded here (a directory "
                        f"mixed from two saves?)", f"member={entry['dir']!r}")
        member_doc = _read_json(member_dir / MODEL_FILE)
        if member_doc.get("kind") not in ("tabular", "estimator"):
            fail(where, f"member {k} must be a tabular model or an estimator",
                 f"kind={member_doc.get('kind')!r}")
        members.append(load(member_dir))
    weights = doc.get("weights")
    if weights is not None and (not isinstance(weights, list) or len(weights) != len(members) or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights)):
        fail(where, f"\"weights\" must be a list of {len(members)} numbers, one per member",
             f"weights={str(weights)[:200]}")
    try:
        ensemble = FoldEnsemble(members, weights)
    except ValueError as exc:
        fail(where, f"the members do not form one ensemble ({exc})", f"members={len(members)}")
    if doc.get("task") != ensemble.task:
        fail(where, f"\"task\" must be the members' task {ensemble.task!r}", f"task={doc.get('task')!r}")
    return ensemble


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


# --------------------------------------------------------------------------- load

def _read_json(path: Path) -> dict:
    where = str(path)
    raw = read_bounded(path, MAX_JSON_BYTES, "the file is missing (is this a ridgeback model directory?)",
                       f"{MAX_JSON_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(where, f"it is not valid UTF-8 (byte {exc.start})", f"byte={raw[exc.start:exc.start + 1]!r}")

    def no_constants(name):
        raise ValueError(f"the constant {name} is not allowed")

    try:
        doc = json.loads(text, parse_constant=no_constants)
    except (ValueError, RecursionError) as exc:
        fail(where, f"it is not valid JSON ({str(exc)[:200]})", f"{len(raw)} bytes")
    if not isinstance(doc, dict):
        fail(where, "expected a JSON object at the top level", f"type={type(doc).__name__}")
    version = doc.get("format_version")
    if doc.get("format") != "ridgeback-model":
        fail(where, "not a ridgeback model file (\"format\" should be \"ridgeback-model\")",
              f"format={doc.get('format')!r}")
    if version != FORMAT_VERSION or isinstance(version, bool):
        fail(where, f"format_version {version!r} is not supported; this ridgeback ({__version__}) reads "
              f"format_version {FORMAT_VERSION}. Re-save the model with a matching ridgeback version",
              f"format_version={version!r}")
    return doc


def _check_architecture(arch, where) -> dict:
    """Bound-check the declared layers; return the arrays they need, {name: (shape, dtype)}."""
    if not isinstance(arch, dict) or not isinstance(arch.get("layers"), list):
        fail(where, "\"architecture\" must be an object with a \"layers\" list", f"architecture={arch!r}")
    layers = arch["layers"]
    if not layers or len(layers) > MAX_LAYERS:
        fail(where, f"expected 1 to {MAX_LAYERS} layers", f"layers={len(layers)}")
    total, previous, expected = 0, None, {}
    for i, spec in enumerate(layers):
        if not isinstance(spec, dict) or not isinstance(spec.get("config", {}), dict):
            fail(where, f"layer {i} must be an object with a \"config\" object", f"layers[{i}]={spec!r}")
        if spec.get("class") != "Dense":
            for name, (shape, dtype) in _declared_arrays(spec, i, where).items():
                size = math.prod(shape)
                if size > MAX_ARRAY_ELEMENTS:
                    fail(where, f"layer {i} ({spec['class']}) declares {size} values in {name!r}, above "
                                f"the bound {MAX_ARRAY_ELEMENTS}", f"shape={list(shape)}")
                total += size
                expected[f"{i}.{name}"] = (tuple(shape), dtype)
            continue
        cfg = spec.get("config", {})
        sizes = [cfg.get("n_in"), cfg.get("n_out")]
        if not all(type(s) is int and 0 < s <= MAX_ARRAY_ELEMENTS for s in sizes):
            fail(where, f"layer {i} (Dense) needs integer widths in [1, {MAX_ARRAY_ELEMENTS}]",
                  f"n_in={sizes[0]!r}, n_out={sizes[1]!r}")
        if sizes[0] * sizes[1] > MAX_ARRAY_ELEMENTS:
            fail(where, f"layer {i} declares {sizes[0] * sizes[1]} weights, above the bound "
                         f"{MAX_ARRAY_ELEMENTS}",
                  f"n_in={sizes[0]}, n_out={sizes[1]}")
        if previous is not None and previous != sizes[0]:
            fail(where, f"layer {i} takes {sizes[0]} inputs but the previous Dense layer gives {previous}",
                  f"n_in={sizes[0]}")
        if cfg.get("dtype", "float32") not in _DTYPES:
            fail(where, f"layer {i} dtype must be float32 or float64", f"dtype={cfg.get('dtype')!r}")
        total += sizes[0] * sizes[1] + sizes[1]
        previous = sizes[1]
        dtype = np.dtype(cfg.get("dtype", "float32"))
        expected[f"{i}.weight"] = ((sizes[0], sizes[1]), dtype)
        expected[f"{i}.bias"] = ((sizes[1],), dtype)
    if previous is None:
        fail(where, "the architecture has no Dense layer", "layers without class 'Dense'")
    if total > MAX_TOTAL_ELEMENTS:
        fail(where, f"the architecture declares {total} parameters, above the bound {MAX_TOTAL_ELEMENTS}",
              f"parameters={total}")
    return expected


def _declared_arrays(spec, i, where) -> dict:
    """The arrays a registered layer other than Dense declares for its config (BatchNorm's
    weight, bias and running statistics, ...); {} for layers without arrays. An unknown class
    is left to ``Sequential.from_config``, which names the known ones."""
    cls = LAYERS.get(spec.get("class")) if isinstance(spec.get("class"), str) else None
    if cls is None or not hasattr(cls, "declared_arrays"):
        return {}
    try:
        return cls.declared_arrays(spec.get("config", {}))
    except (ValueError, TypeError) as exc:
        fail(where, f"layer {i} ({spec['class']}) has an invalid config ({str(exc)[:200]})",
             f"config={spec.get('config')!r}"[:300])


def _preprocessing_arrays(section, where) -> dict:
    """The arrays the preprocessing config declares (none in models saved before column plans)."""
    declared = section.get("preprocessing", {}).get("arrays", {}) if isinstance(section, dict) and \
        isinstance(section.get("preprocessing"), dict) else {}
    if not isinstance(declared, dict):
        fail(where, "\"tabular.preprocessing.arrays\" must be an object {name: {shape, dtype}}",
             f"arrays={declared!r}"[:300])
    expected = {}
    for name, entry in declared.items():
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if (not isinstance(name, str) or not isinstance(shape, list) or not 1 <= len(shape) <= 2
                or not all(type(d) is int and 0 < d <= MAX_ARRAY_ELEMENTS for d in shape)
                or math.prod(shape) > MAX_ARRAY_ELEMENTS or entry.get("dtype") != "float64"):
            fail(where, f"preprocessing array {name!r} needs a 1-D or 2-D float64 shape within "
                        f"{MAX_ARRAY_ELEMENTS} elements", f"{name}={entry!r}"[:300])
        expected[PRE_PREFIX + name] = (tuple(shape), np.dtype("float64"))
    return expected


def _check_manifest(manifest, expected, where):
    if not isinstance(manifest, dict):
        fail(where, "\"arrays\" must be an object {name: {shape, dtype}}", f"arrays={manifest!r}")
    for name in manifest:
        if ".." in name or "/" in name or "\\" in name or not name:
            fail(where, "array names must not be empty or contain '..', '/' or '\\'", f"name={name!r}")
    missing, extra = sorted(set(expected) - set(manifest)), sorted(set(manifest) - set(expected))
    if missing or extra:
        fail(where, f"the array manifest does not match the architecture (missing {missing}, extra {extra})",
              f"arrays={sorted(manifest)}")
    for name, (shape, dtype) in expected.items():
        entry = manifest[name]
        if not isinstance(entry, dict):
            fail(where, f"array {name!r} needs {{shape, dtype}}", f"{name}={entry!r}")
        if entry.get("shape") != list(shape) or entry.get("dtype") != dtype.name:
            fail(where, f"array {name!r} must have shape {list(shape)} and dtype {dtype.name} "
                  "as the architecture says", f"shape={entry.get('shape')!r}, dtype={entry.get('dtype')!r}")


def _rebuild_estimator(section, network, where):
    classes = _estimator_classes()
    if not isinstance(section, dict) or section.get("class") not in classes:
        fail(where, f"\"estimator.class\" must be one of {sorted(classes)}",
              f"class={section.get('class') if isinstance(section, dict) else section!r}")
    params = section.get("params")
    if not isinstance(params, dict):
        fail(where, "\"estimator.params\" must be an object", f"params={params!r}")
    if isinstance(params.get("hidden_layer_sizes"), list):
        params = dict(params, hidden_layer_sizes=tuple(params["hidden_layer_sizes"]))
    cls = classes[section["class"]]
    unknown = sorted(set(params) - set(cls().get_params(deep=False)))
    if unknown:
        fail(where, f"unknown {cls.__name__} parameters {unknown}", f"params={unknown}")
    estimator = cls(**params)
    estimator.checked_params()
    classes_ = None
    if "classes" in section:
        classes_ = section["classes"]
        kind = section.get("classes_dtype")
        plain = isinstance(classes_, list) and all(isinstance(c, (str, int, float, bool)) for c in classes_)
        if not plain or not isinstance(kind, str) or not re.fullmatch(_CLASS_DTYPES, kind):
            fail(where, "\"estimator.classes\" must be a list of str/int/float/bool labels with a "
                         "plain dtype",
                  f"classes={classes_!r}, classes_dtype={kind!r}"[:300])
        if kind == "object":
            classes_ = np.array(classes_, dtype=object)
        elif "U" in kind:
            classes_ = np.array([str(c) for c in classes_])
        else:
            classes_ = np.array(classes_, dtype=np.dtype(kind))
    if classes_ is not None and isinstance(estimator.class_weight, dict):
        estimator.class_weight = _class_keys(estimator.class_weight, classes_, where)
    history = section.get("history")
    if history is not None:
        fields = set(History.__dataclass_fields__)
        if not isinstance(history, dict) or not set(history) <= fields:
            fail(where, f"\"estimator.history\" must be an object with keys among {sorted(fields)}",
                  f"history keys={sorted(history) if isinstance(history, dict) else history!r}")
        history = History(**{k: [math.nan if v is None else v for v in val] if isinstance(val, list) else val
                             for k, val in history.items()})
    scaling = {}
    if "target_scaling" in section:
        if section["class"] != "MLPRegressor":
            fail(where, "\"estimator.target_scaling\" belongs to an MLPRegressor only",
                 f"class={section['class']!r}")
        scaling = {"target_scaling": section["target_scaling"]}
    if "class_weight" in section:
        scaling = {"class_weight": section["class_weight"]}
    return estimator.restore_fitted(network, classes=classes_, n_features_in=section.get("n_features_in"),
                                     feature_names_in=section.get("feature_names_in"), history=history,
                                     feature_groups=section.get("feature_groups"), **scaling)


def _class_keys(class_weight: dict, classes, where) -> dict:
    """``class_weight`` with its keys as the labels of ``classes``: JSON wrote every key as a
    string, so ``{0: 2.0}`` comes back as ``{"0": 2.0}``."""
    by_text = {str(c): c for c in classes.tolist()}
    unknown = [k for k in class_weight if k not in by_text]
    if unknown:
        fail(where, f"\"estimator.params.class_weight\" must name classes among {sorted(by_text)}",
             f"class_weight keys={unknown!r}"[:300])
    return {by_text[k]: w for k, w in class_weight.items()}


def load(path):
    """Load a model directory written by :func:`save`, validating everything in it.

    Returns
    -------
    TabularModel, MLPClassifier, MLPRegressor, Sequential or FoldEnsemble
        Whatever was saved, fitted and ready to predict.

    Raises
    ------
    ModelFormatError
        (a ``ValueError``) for any malformed, foreign-version or hostile directory.

    Examples
    --------
    >>> import tempfile
    >>> from ridgeback import mlp, save, load
    >>> type(load(save(mlp([2, 1], seed=0), tempfile.mkdtemp() + "/m"))).__name__
    'Sequential'
    """
    directory = Path(path)
    if not directory.is_dir():
        raise ModelFormatError(f"No model directory at {directory}. Received: path={str(path)!r}")
    json_path = directory / MODEL_FILE
    where = str(json_path)
    doc = _read_json(json_path)
    kind = doc.get("kind")
    if kind not in ("sequential", "estimator", "tabular", "ensemble"):
        fail(where, "\"kind\" must be 'sequential', 'estimator', 'tabular' or 'ensemble'", f"kind={kind!r}")
    if kind == "ensemble":
        return _load_ensemble(directory, doc, where)
    expected = _check_architecture(doc.get("architecture"), where)
    if kind == "tabular":
        expected.update(_preprocessing_arrays(doc.get("tabular"), where))
    _check_manifest(doc.get("arrays"), expected, where)
    # the weights are read and checked before the network is built, so that building it
    # allocates no more than a real weights file of that size holds
    arrays = read_npz(directory / WEIGHTS_FILE, expected, doc.get("weights_sha256"))
    try:
        network = Sequential.from_config(doc["architecture"])
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        fail(where, f"invalid architecture ({type(exc).__name__}: {str(exc)[:300]})", "architecture")
    targets = {name: p.data for name, p in network.named_parameters()}
    targets.update(network.named_buffers())
    pre_arrays = {name[len(PRE_PREFIX):]: arrays.pop(name) for name in list(arrays)
                  if name.startswith(PRE_PREFIX)}
    if set(targets) != set(arrays):
        fail(where, "the built network's parameters differ from the architecture's arrays",
              f"parameters={sorted(targets)}")
    for name, target in targets.items():
        target[...] = arrays[name]
    if kind == "sequential":
        return network
    try:
        estimator = _rebuild_estimator(doc.get("estimator"), network, where)
        if kind == "estimator":
            return estimator
        from ..tabular.model import TabularModel
        from ..tabular.preprocessing import Preprocessor

        section = doc.get("tabular")
        if not isinstance(section, dict):
            fail(where, "\"tabular\" must be an object", f"tabular={section!r}")
        pre = Preprocessor.from_config(section.get("preprocessing"), pre_arrays)
        if len(pre.feature_names_out_) != network.n_inputs:
            fail(where, f"the preprocessing gives {len(pre.feature_names_out_)} columns but the "
                         f"network takes "
                  f"{network.n_inputs}", f"feature_names_out={len(pre.feature_names_out_)}")
        return TabularModel.from_fitted(estimator, pre)
    except ModelFormatError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        fail(where, f"invalid estimator or preprocessing ({type(exc).__name__}: "
                     f"{str(exc)[:300]})", "estimator")
