"""What a report shows of one trained network: its layers, weight histograms and the inputs it keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._util.jsonify import to_json
from .parts import _check_numbers, _check_type, _fail, _is_int, _Part, _under

__all__ = ["ModelSummary", "WeightHistogram", "SelectedFeatures"]


@dataclass(frozen=True, kw_only=True)
class WeightHistogram(_Part):
    """The non-zero weights of one layer, binned: ``n_zero`` of its ``n`` weights are exactly zero.

    ``edges`` has one entry more than ``counts``.
    """

    counts: list | None = None
    edges: list | None = None
    n_zero: int | None = None
    n: int | None = None

    _EXPECTED = "a list of weights or a dict with counts, edges, n_zero, n"

    def _check(self):
        _check_numbers("counts", self.counts, optional=False)
        _check_numbers("edges", self.edges, len(self.counts) + 1, "bin boundary", optional=False)
        for key in ("n_zero", "n"):
            value = getattr(self, key)
            if not (_is_int(value) and value >= 0):
                _fail(key, "an integer >= 0", value)

    @classmethod
    def of(cls, weights, bins: int = 40) -> WeightHistogram:
        """The histogram of ``weights`` (any shape; ``None`` entries of a list are left out)."""
        if isinstance(weights, list):
            weights = [w for w in weights if w is not None]
        values = np.asarray(weights).ravel()
        nonzero = values[values != 0].astype(np.float64)
        counts, edges = np.histogram(nonzero, bins=bins) if nonzero.size else (np.zeros(0), np.zeros(1))
        return cls(counts=counts.tolist(), edges=edges.tolist(), n_zero=int(values.size - nonzero.size),
                   n=int(values.size))


@dataclass(frozen=True, kw_only=True)
class SelectedFeatures(_Part):
    """Which inputs keep a non-zero first-layer weight.

    ``indices`` are the kept inputs (``names`` their names), out of ``n_inputs``.
    ``image_shape`` ([h, w], ``h * w == n_inputs``) draws the inputs as an image (e.g. [8, 8]
    for digits); ``importance`` (per input, e.g. the L2 norm of its first-layer weights) and
    ``all_names`` (per input) are optional.
    """

    indices: list | None = None
    names: list | None = None
    n_inputs: int | None = None
    importance: list | None = None
    all_names: list | None = None
    image_shape: list | None = None

    _EXPECTED = "a dict with 'indices' and 'n_inputs'"

    def _check(self):
        n = self.n_inputs
        if not (_is_int(n) and n >= 1):
            _fail("n_inputs", "an integer >= 1", n)
        indices = self.indices
        if not isinstance(indices, list) or not all(_is_int(i) and 0 <= i < n for i in indices):
            _fail("indices", f"a list of input indices in [0, {n})", indices)
        if self.names is not None:
            _check_type("names", self.names, list, "a list of names or null")
            if len(self.names) != len(indices):
                _fail("names", f"a list of {len(indices)} names, one per index", self.names)
        shape = self.image_shape
        if shape is not None and not (isinstance(shape, list) and len(shape) == 2
                                      and all(_is_int(v) for v in shape) and shape[0] * shape[1] == n):
            _fail("image_shape", f"[height, width] with height * width == n_inputs ({n})", shape)
        _check_numbers("importance", self.importance, n, "input")
        if self.all_names is not None and not (isinstance(self.all_names, list) and len(self.all_names) == n):
            _fail("all_names", f"a list of {n} names, one per input", self.all_names)


def _weights(value):
    if not isinstance(value, dict):
        return value
    return {name: _under(name, WeightHistogram.from_dict, w) if isinstance(w, dict) else w
            for name, w in value.items()}


@dataclass(frozen=True, kw_only=True)
class ModelSummary(_Part):
    """The layers, weights and selected inputs of one trained network; ``name`` says which.

    ``name`` is written as ``model`` (e.g. "final model: l2=0.001, refitted on all rows").
    ``layers`` holds the rows of :func:`ridgeback.layer_summary`; ``weights`` maps a layer's
    name to a :class:`WeightHistogram` or to the list of its weights.
    :func:`ridgeback.report.model_context` builds one from a network.
    """

    name: str | None = None
    layers: list | None = None
    weights: dict | None = None
    selected_features: SelectedFeatures | None = None

    _PARTS = {"weights": _weights, "selected_features": SelectedFeatures.from_dict}
    _EXPECTED = "a dict with 'model', 'layers', 'weights', 'selected_features'"
    _KEYS = {"name": "model"}
    #: the keys of a model's sections in a dict
    KEYS: ClassVar[tuple] = ("model", "layers", "weights", "selected_features")

    def _check(self):
        _check_type("model", self.name, str, "a string or null")
        _check_type("layers", self.layers, list, "a list of dicts")
        for i, row in enumerate(self.layers or []):
            _check_type(("layers", i), row, dict, "a dict", optional=False)
        _check_type("weights", self.weights, dict, "a dict of layer name to weights")
        if self.weights is not None:  # a layer's weights as a list: plain numbers, as for the fields
            object.__setattr__(self, "weights", {
                name: w if isinstance(w, WeightHistogram) else to_json(w, f"weights[{name!r}]")
                for name, w in self.weights.items()})
        for name, w in (self.weights or {}).items():
            if isinstance(w, list):
                _check_numbers(("weights", name), w)
            elif not isinstance(w, WeightHistogram):
                _fail(("weights", name), WeightHistogram._EXPECTED, w)
        _check_type("selected_features", self.selected_features, SelectedFeatures,
                    "a SelectedFeatures or null")

    def has_sections(self) -> bool:
        """Whether there is anything to draw: weights, layers or selected inputs."""
        return bool(self.weights or self.layers or self.selected_features)
