r"""ONNX export of a trained network (the ``[onnx]`` extra: onnx + onnxruntime).

The graph computes the network on the **preprocessed** matrix, not on raw table columns:

* input ``"input"``: float32 ``[N, n_features]``, the output of ``TabularModel.transform(df)``
  (or, for a bare estimator or Sequential, the matrix it was trained on);
* output ``"probabilities"`` ``[N, n_classes]`` for classifiers (softmax of the last layer,
  as ``predict_proba``), ``"predictions"`` ``[N, n_outputs]`` for regressors and bare
  networks (the last layer's raw output).

Layers map one to one: Dense → MatMul + Add, ReLU → Relu, LeakyReLU → LeakyRelu, Tanh → Tanh,
Sigmoid → Sigmoid; Dropout is the identity at inference, or a Mul by the keep probability
:math:`1-p` for ``scale="inference"``. The newer layers are composed from standard opset-17
operators: GELU → :math:`x \cdot \tfrac12(1 + \operatorname{Erf}(x/\sqrt2))`, SiLU →
Sigmoid + Mul, Mish → Softplus + Tanh + Mul, SELU → Selu, BatchNorm → BatchNormalization
(running statistics, as at inference), LayerNorm → LayerNormalization, PeriodicEmbedding →
Unsqueeze, Mul, Cos, Sin, Concat, Einsum (one linear map per column), Add, Reshape,
PiecewiseLinearEmbedding → Unsqueeze, Sub, Mul, Max, Min (the clipped bins), Einsum, Add, Reshape.
A :class:`~ridgeback.selection.ensemble.FoldEnsemble` becomes one graph: each member's network
as above (initializers named ``m{k}_...``) on its own columns of the input (a ``Slice`` of
``FoldEnsemble.transform``'s matrix, where each TabularModel member's preprocessed columns sit
side by side; bare estimators share the whole input), its softmax for classifiers, then
``Mean`` over the members (a weighted ensemble, a blend: each output multiplied by its
weight, then ``Sum``). A regressor that clips its predictions to the training target's range
(``MLPRegressor(clip_predictions=True)``, the default) ends in Max and Min by its bounds; an
ensemble of them clips its average, by ``FoldEnsemble.target_range_``, as ``predict`` does (a
member of an ensemble that cannot, one that does not clip beside it, clips its own output).
Column names and class labels are stored as metadata
(``feature_names``, ``classes``) since the graph itself knows only positions.

Both runtimes compute in float32 and may sum in different orders, so they agree to float32
rounding: probabilities within 1e-5 absolute (about 3e-7 measured on digits), regression
outputs within about 1e-6 relative (an absolute 1e-5 is below float32's resolution for
outputs in the hundreds).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .._util.files import atomic_write_bytes
from ..engine.activations import GELU, SELU, Mish, SiLU
from ..engine.inspection import network_of
from ..engine.layers import Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from ..engine.network import Sequential
from ..engine.normalization import BatchNorm, LayerNorm
from ..engine.periodic_embedding import PeriodicEmbedding
from ..engine.piecewise_linear_embedding import PiecewiseLinearEmbedding
from ..estimators.regressor import clip_bounds, clipping_range

__all__ = ["export_onnx", "OPSET"]

OPSET = 17
#: onnxruntime releases lag behind onnx's newest IR version; this one every supported runtime reads
_IR_VERSION = 8


def _parts(model):
    """(network, classifier?, classes, feature names) of a TabularModel, estimator or Sequential;
    for a FoldEnsemble, the list of its members' networks."""
    from ..selection.ensemble import FoldEnsemble
    from ..tabular.model import TabularModel

    if isinstance(model, FoldEnsemble):
        parts = [_parts(m) for m in model.members]
        if any(p[1] and np.asarray(p[2]).tolist() != model.classes_.tolist() for p in parts):
            raise ValueError("ONNX export of an ensemble needs members that know the same classes. "
                             f"Received: classes={[np.asarray(p[2]).tolist() for p in parts]}")
        return ([p[0] for p in parts], parts[0][1], getattr(model, "classes_", None),
                model.feature_names_out_ or parts[0][3])

    if isinstance(model, TabularModel):
        model._check_fitted()
        return (network_of(model), model.task == "classification",
                getattr(model.estimator, "classes_", None), list(model.preprocessor.feature_names_out_))
    if isinstance(model, Sequential):
        return model, False, None, None
    if hasattr(model, "network_"):
        names = getattr(model, "feature_names_in_", None)
        return (network_of(model), hasattr(model, "classes_"), getattr(model, "classes_", None),
                None if names is None else [str(n) for n in names])
    raise ValueError(f"`model` must be a fitted TabularModel, MLPClassifier, MLPRegressor or a Sequential. "
                     f"Received: model of type {type(model).__name__}")


def _bounds(model):
    """``(low, high)`` per output that ``model`` (a TabularModel, an estimator or a
    FoldEnsemble) clips its predictions to (``MLPRegressor.clip_predictions``, its
    :func:`~ridgeback.estimators.regressor.clip_bounds`), or None."""
    from ..selection.ensemble import FoldEnsemble

    seen = model.target_range_ if isinstance(model, FoldEnsemble) else clipping_range(model)
    return None if seen is None else clip_bounds(seen)


def _clip(graph, bounds) -> None:
    """Max and Min of the current output by ``bounds`` (from :func:`_bounds`; None: nothing)."""
    if bounds is not None:
        graph.add("Max", [graph.current, graph.const("clip_low", bounds[0])])
        graph.add("Min", [graph.current, graph.const("clip_high", bounds[1])])


class _Graph:
    """Nodes and initializers of the graph being built; ``current`` is the latest output."""

    def __init__(self):
        from onnx import helper, numpy_helper

        self._helper, self._numpy_helper = helper, numpy_helper
        self.nodes, self.initializers, self.current = [], [], "input"
        self.prefix = ""  # an ensemble member's initializers: "m0_W0", ...

    def add(self, op, inputs, **attrs) -> str:
        out = f"t{len(self.nodes)}_{op.lower()}"
        self.nodes.append(self._helper.make_node(op, inputs, [out], name=f"n{len(self.nodes)}_{op}", **attrs))
        self.current = out
        return out

    def const(self, name, value, dtype=np.float32) -> str:
        name = self.prefix + name
        self.initializers.append(self._numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name


def _dense(g, layer, i):
    g.add("MatMul", [g.current, g.const(f"W{i}", layer.weight.data)])
    g.add("Add", [g.current, g.const(f"b{i}", layer.bias.data)])


def _gelu(g, layer, i):
    x = g.current
    g.add("Mul", [x, g.const(f"rsqrt2_{i}", 1 / np.sqrt(2.0))])
    g.add("Erf", [g.current])
    g.add("Add", [g.current, g.const(f"one{i}", 1.0)])
    g.add("Mul", [g.current, g.const(f"half{i}", 0.5)])
    g.add("Mul", [x, g.current])


def _silu(g, layer, i):
    x = g.current
    g.add("Mul", [x, g.add("Sigmoid", [x])])


def _mish(g, layer, i):
    x = g.current
    g.add("Mul", [x, g.add("Tanh", [g.add("Softplus", [x])])])


def _batch_norm(g, layer, i):
    g.add("BatchNormalization", [g.current, g.const(f"gamma{i}", layer.weight.data),
                                 g.const(f"beta{i}", layer.bias.data),
                                 g.const(f"mean{i}", layer.running_mean),
                                 g.const(f"var{i}", layer.running_var)], epsilon=float(layer.eps))


def _layer_norm(g, layer, i):
    g.add("LayerNormalization", [g.current, g.const(f"gamma{i}", layer.weight.data),
                                 g.const(f"beta{i}", layer.bias.data)], axis=-1, epsilon=float(layer.eps))


def _periodic_embedding(g, layer, i):
    x3 = g.add("Unsqueeze", [g.current, g.const(f"axis{i}", [2], np.int64)])  # (N, F, 1)
    # (2 pi x) f, in the order forward multiplies
    angles = g.add("Mul", [g.add("Mul", [x3, g.const(f"twopi{i}", 2 * np.pi)]),
                           g.const(f"freq{i}", layer.frequencies.data)])
    parts = [g.add("Cos", [angles]), g.add("Sin", [angles])] + ([x3] if layer.include_input else [])
    g.add("Concat", parts, axis=2)
    g.add("Einsum", [g.current, g.const(f"W{i}", layer.weight.data)], equation="nfm,fmd->nfd")
    g.add("Add", [g.current, g.const(f"b{i}", layer.bias.data)])
    g.add("Reshape", [g.current, g.const(f"shape{i}", [-1, layer.n_out], np.int64)])


def _piecewise_linear_embedding(g, layer, i):
    x3 = g.add("Unsqueeze", [g.current, g.const(f"axis{i}", [2], np.int64)])  # (N, F, 1)
    shifted = g.add("Sub", [x3, g.const(f"left{i}", layer._left)])
    raw = g.add("Mul", [shifted, g.const(f"scale{i}", layer._scale)])
    g.add("Min", [g.add("Max", [raw, g.const(f"low{i}", layer._low)]), g.const(f"high{i}", layer._high)])
    g.add("Einsum", [g.current, g.const(f"W{i}", layer.weight.data)], equation="nft,ftd->nfd")
    g.add("Add", [g.current, g.const(f"b{i}", layer.bias.data)])
    g.add("Reshape", [g.current, g.const(f"shape{i}", [-1, layer.n_out], np.int64)])


def _dropout(g, layer, i):
    if layer.scale == "inference" and layer.rate > 0:  # identity at inference otherwise
        g.add("Mul", [g.current, g.const(f"keep{i}", 1.0 - layer.rate)])


#: layer class -> emitter(graph, layer, index); the first isinstance match is used
_EMITTERS = (
    (Dense, _dense),
    (ReLU, lambda g, layer, i: g.add("Relu", [g.current])),
    (LeakyReLU, lambda g, layer, i: g.add("LeakyRelu", [g.current], alpha=float(layer.negative_slope))),
    (Tanh, lambda g, layer, i: g.add("Tanh", [g.current])),
    (Sigmoid, lambda g, layer, i: g.add("Sigmoid", [g.current])),
    (GELU, _gelu),
    (SiLU, _silu),
    (Mish, _mish),
    (SELU, lambda g, layer, i: g.add("Selu", [g.current], alpha=float(layer.alpha),
                                     gamma=float(layer.scale))),
    (BatchNorm, _batch_norm),
    (LayerNorm, _layer_norm),
    (PeriodicEmbedding, _periodic_embedding),
    (PiecewiseLinearEmbedding, _piecewise_linear_embedding),
    (Dropout, _dropout),
)


def _model_proto(graph: _Graph, network, classifier: bool, classes, names, members=None, n_inputs=None,
                 weighted=False, bounds=None):
    """The ONNX model around the layers' graph: softmax (classifiers) or identity output (the
    ``Mean`` of the ``members``' outputs for an ensemble, their ``Sum`` when ``weighted``: each
    already multiplied by its weight), the input/output signatures, the opset and IR version,
    and the metadata; an ensemble's average is clipped by ``bounds`` (:func:`_bounds`)."""
    from onnx import TensorProto, helper

    output = "probabilities" if classifier else "predictions"
    if members is not None:
        average = output if bounds is None else "ensemble_average"
        graph.nodes.append(helper.make_node("Sum" if weighted else "Mean", members, [average],
                                            name="ensemble_sum" if weighted else "ensemble_mean"))
        if bounds is not None:
            graph.current = average
            _clip(graph, bounds)
            graph.nodes.append(helper.make_node("Identity", [graph.current], [output], name="output"))
    elif classifier:
        graph.nodes.append(helper.make_node("Softmax", [graph.current], [output], name="softmax", axis=1))
    else:
        graph.nodes.append(helper.make_node("Identity", [graph.current], [output], name="output"))
    proto = helper.make_graph(
        graph.nodes, "ridgeback",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", n_inputs or network.n_inputs])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", network.n_outputs])],
        initializer=graph.initializers,
    )
    onnx_model = helper.make_model(proto, opset_imports=[helper.make_opsetid("", OPSET)],
                                   producer_name="ridgeback")
    onnx_model.ir_version = _IR_VERSION
    metadata = {"feature_names": names, "classes": None if classes is None else np.asarray(classes).tolist(),
                "input": "preprocessed float32 matrix [N, n_features] (TabularModel.transform)"}
    if members is not None:
        metadata["ensemble_members"] = len(members)
    helper.set_model_props(onnx_model, {k: json.dumps(v, default=str) for k, v in metadata.items()})
    return onnx_model


def _emit_network(graph: _Graph, network) -> None:
    for i, layer in enumerate(network.layers):
        emit = next((f for cls, f in _EMITTERS if isinstance(layer, cls)), None)
        if emit is None:
            raise ValueError(f"Layer {i} ({type(layer).__name__}) has no ONNX mapping. "
                             f"Received: layer={type(layer).__name__}")
        emit(graph, layer, i)


def _emit_ensemble(graph: _Graph, networks, classifier: bool, sliced: bool, weights=None, bounds=None):
    """Each member's network (on its own columns of the input when ``sliced``), softmaxed for
    classifiers, clipped by its own ``bounds`` where given (members of an ensemble that cannot
    clip its average, as ``FoldEnsemble.predict`` clips them) and multiplied by its weight when
    ``weights`` are given (then summed, not averaged); returns the members' outputs and the
    input's width."""
    outputs, start = [], 0
    for k, net in enumerate(networks):
        graph.prefix, graph.current = f"m{k}_", "input"
        if sliced:
            stop = start + net.n_inputs
            graph.add("Slice", [graph.current, graph.const("starts", [start], np.int64),
                                graph.const("ends", [stop], np.int64), graph.const("axes", [1], np.int64)])
            start = stop
        _emit_network(graph, net)
        if classifier:
            graph.add("Softmax", [graph.current], axis=1)
        elif bounds is not None:
            _clip(graph, bounds[k])
        if weights is not None:
            graph.add("Mul", [graph.current, graph.const("weight", [weights[k]])])
        outputs.append(graph.current)
    graph.prefix = ""
    return outputs, start if sliced else networks[0].n_inputs


def export_onnx(model, path):
    """Write ``model`` as an ONNX graph to ``path`` (atomically) and return the path.

    Parameters
    ----------
    model : TabularModel, MLPClassifier, MLPRegressor, Sequential or FoldEnsemble
        A FoldEnsemble's graph takes ``model.transform(df)`` (its members' preprocessed
        columns side by side) or, for estimator members, their common input matrix.
    path : str or Path

    Examples
    --------
    >>> import tempfile, numpy as np, onnxruntime as ort
    >>> from ridgeback import mlp
    >>> net = mlp([3, 8, 2], seed=0)
    >>> path = export_onnx(net, tempfile.mkdtemp() + "/net.onnx")
    >>> x = np.ones((2, 3), dtype=np.float32)
    >>> out = ort.InferenceSession(str(path)).run(None, {"input": x})[0]
    >>> bool(np.allclose(out, net.forward(x), atol=1e-5))
    True
    """
    try:
        import onnx
    except ImportError:
        raise ValueError("ONNX export needs the onnx package: pip install 'ridgeback[onnx]'. "
                         "Received: onnx not installed") from None
    network, classifier, classes, names = _parts(model)
    graph = _Graph()
    if isinstance(network, list):  # a FoldEnsemble: one averaged graph
        sliced = hasattr(model.members[0], "transform")
        weights = None if model.uniform else [float(w) for w in model.weights]
        common = _bounds(model)  # the average's clip; else each member's own, as predict does
        own = None if common is not None else [_bounds(m) for m in model.members]
        outputs, n_inputs = _emit_ensemble(graph, network, classifier, sliced, weights, own)
        onnx_model = _model_proto(graph, network[0], classifier, classes, names, outputs, n_inputs,
                                  weighted=weights is not None, bounds=common)
    else:
        _emit_network(graph, network)
        if not classifier:
            _clip(graph, _bounds(model))
        onnx_model = _model_proto(graph, network, classifier, classes, names)
    onnx.checker.check_model(onnx_model)
    path = Path(path)
    atomic_write_bytes(path, onnx_model.SerializeToString())
    return path
