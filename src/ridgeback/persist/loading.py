"""Reading a model directory: ``model.json`` checked field by field, then the weights, then the model.

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
import re
from pathlib import Path

import numpy as np

from .._version import __version__
from ..engine.history import History
from ..engine.layers import LAYERS
from ..engine.network import Sequential
from .model_format import (
    FORMAT_VERSION,
    MAX_ARRAY_ELEMENTS,
    MAX_JSON_BYTES,
    MAX_LAYERS,
    MAX_MEMBERS,
    MAX_TOTAL_ELEMENTS,
    MODEL_FILE,
    PRE_PREFIX,
    WEIGHTS_FILE,
    estimator_classes,
)
from .npz import ModelFormatError, fail, read_bounded, read_npz

__all__ = ["load"]

_DTYPES = ("float32", "float64")
_CLASS_DTYPES = r"object|[<>|=]?([biuf]\d{1,2}|U\d{1,6})"


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
    classes = estimator_classes()
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
    if "target_range" in section:
        if section["class"] != "MLPRegressor":
            fail(where, "\"estimator.target_range\" belongs to an MLPRegressor only",
                 f"class={section['class']!r}")
        scaling["target_range"] = section["target_range"]
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
    network, pre_arrays = _read_network(directory, doc, kind, where)
    if kind == "sequential":
        return network
    try:
        estimator = _rebuild_estimator(doc.get("estimator"), network, where)
        if kind == "estimator":
            return estimator
        return _tabular_model(doc.get("tabular"), estimator, network, pre_arrays, where)
    except ModelFormatError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        fail(where, f"invalid estimator or preprocessing ({type(exc).__name__}: "
                     f"{str(exc)[:300]})", "estimator")


def _read_network(directory: Path, doc: dict, kind: str, where: str):
    """``(network, preprocessing arrays)``: the manifest checked against the architecture (and
    the preprocessing, for a tabular model), the weights read and checked, the network built
    and filled."""
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
    return network, pre_arrays


def _tabular_model(section, estimator, network, pre_arrays, where: str):
    """The TabularModel of a ``"tabular"`` section: its preprocessing rebuilt from its config and
    arrays, checked to give as many columns as the network takes."""
    from ..tabular.model import TabularModel
    from ..tabular.preprocessing import Preprocessor

    if not isinstance(section, dict):
        fail(where, "\"tabular\" must be an object", f"tabular={section!r}")
    pre = Preprocessor.from_config(section.get("preprocessing"), pre_arrays)
    if len(pre.feature_names_out_) != network.n_inputs:
        fail(where, f"the preprocessing gives {len(pre.feature_names_out_)} columns but the "
                     f"network takes "
              f"{network.n_inputs}", f"feature_names_out={len(pre.feature_names_out_)}")
    target = section.get("target")
    if target is not None and not isinstance(target, str):
        fail(where, "\"tabular.target\" must be the target column's name", f"target={target!r}")
    return TabularModel.from_fitted(estimator, pre, target)


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
