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
Unsqueeze, Mul, Cos, Sin, Concat, Einsum (one linear map per column), Add, Reshape.
A :class:`~ridgeback.selection.ensemble.FoldEnsemble` becomes one graph: each member's network
as above on its own columns of the input (a ``Slice`` of ``FoldEnsemble.transform``'s matrix,
where each TabularModel member's preprocessed columns sit side by side; bare estimators share
the whole input), its softmax for classifiers, then ``Mean`` over the members.
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
from ..engine.embeddings import PeriodicEmbedding
from ..engine.inspection import network_of
from ..engine.layers import Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from ..engine.network import Sequential
from ..engine.normalization import BatchNorm, LayerNorm

__all__ = ["export_onnx", "OPSET"]

OPSET = 17
#: onnxruntime releases lag behind onnx's newest IR version; this one every supported runtime reads
_IR_VERSION = 8


def _parts(model):
    """(network, classifier?, classes, feature names) of a TabularModel, estimator or Sequential."""
    from ..selection.ensemble import FoldEnsemble
    from ..tabular.model import TabularModel

    if isinstance(model, FoldEnsemble):
        parts = [_parts(m) for m in model.members]
        if any(p[1] and list(np.asarray(p[2]).tolist()) != model.classes_.tolist() for p in parts):
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


def export_onnx(model, path):
    """Write ``model`` as an ONNX graph to ``path`` (atomically) and return the path.

    Parameters
    ----------
    model : TabularModel, MLPClassifier, MLPRegressor or Sequential
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
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise ValueError("ONNX export needs the onnx package: pip install 'ridgeback[onnx]'. "
                         "Received: onnx not installed") from None
    network, classifier, classes, names = _parts(model)
    networks = network if isinstance(network, list) else [network]
    # members with preprocessing each read their own columns of the input; bare ones all of it
    tabular = isinstance(network, list) and hasattr(model.members[0], "transform")
    nodes, initializers = [], []
    current = "input"
    tag = ""

    def add(op, inputs, **attrs):
        nonlocal current
        out = f"t{len(nodes)}_{op.lower()}"
        nodes.append(helper.make_node(op, inputs, [out], name=f"n{len(nodes)}_{op}", **attrs))
        current = out
        return out

    def const(name, value, dtype=np.float32):
        initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), tag + name))
        return tag + name

    def latest():  # the tensor the last node made
        return current

    outputs, start = [], 0
    for k, net in enumerate(networks):
        tag = f"m{k}_" if isinstance(network, list) else ""
        current = "input"
        if tabular:
            stop = start + net.n_inputs
            add("Slice", [current, const("starts", [start], np.int64), const("ends", [stop], np.int64),
                          const("axes", [1], np.int64)])
            start = stop
        _network_nodes(net, add, const, latest)
        if classifier:
            add("Softmax", [current], axis=1)
        outputs.append(current)
    output = "probabilities" if classifier else "predictions"
    if isinstance(network, list):
        nodes.append(helper.make_node("Mean", outputs, [output], name="ensemble_mean"))
    else:
        nodes.append(helper.make_node("Identity", [current], [output], name="output"))
    n_in = start if tabular else networks[0].n_inputs
    n_out = networks[0].n_outputs
    graph = helper.make_graph(
        nodes, "ridgeback",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", n_in])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", n_out])],
        initializer=initializers,
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                   producer_name="ridgeback")
    onnx_model.ir_version = _IR_VERSION
    metadata = {"feature_names": names, "classes": None if classes is None else np.asarray(classes).tolist(),
                "input": "preprocessed float32 matrix [N, n_features] (TabularModel.transform)"}
    if isinstance(network, list):
        metadata["ensemble_members"] = len(networks)
    helper.set_model_props(onnx_model, {k: json.dumps(v, default=str) for k, v in metadata.items()})
    onnx.checker.check_model(onnx_model)
    path = Path(path)
    atomic_write_bytes(path, onnx_model.SerializeToString())
    return path


def _network_nodes(network, add, const, current_of):
    """The nodes of ``network``'s layers, from the tensor ``current_of()`` on (``add`` appends a
    node and makes its output current; ``const`` adds an initializer)."""
    cur = current_of
    for i, layer in enumerate(network.layers):
        if isinstance(layer, Dense):
            add("MatMul", [cur(), const(f"W{i}", layer.weight.data)])
            add("Add", [cur(), const(f"b{i}", layer.bias.data)])
        elif isinstance(layer, ReLU):
            add("Relu", [cur()])
        elif isinstance(layer, LeakyReLU):
            add("LeakyRelu", [cur()], alpha=float(layer.negative_slope))
        elif isinstance(layer, Tanh):
            add("Tanh", [cur()])
        elif isinstance(layer, Sigmoid):
            add("Sigmoid", [cur()])
        elif isinstance(layer, GELU):
            x = cur()
            add("Mul", [x, const(f"rsqrt2_{i}", 1 / np.sqrt(2.0))])
            add("Erf", [cur()])
            add("Add", [cur(), const(f"one{i}", 1.0)])
            add("Mul", [cur(), const(f"half{i}", 0.5)])
            add("Mul", [x, cur()])
        elif isinstance(layer, SiLU):
            x = cur()
            add("Mul", [x, add("Sigmoid", [x])])
        elif isinstance(layer, Mish):
            x = cur()
            add("Mul", [x, add("Tanh", [add("Softplus", [x])])])
        elif isinstance(layer, SELU):
            add("Selu", [cur()], alpha=float(layer.alpha), gamma=float(layer.scale))
        elif isinstance(layer, BatchNorm):
            add("BatchNormalization", [cur(), const(f"gamma{i}", layer.weight.data),
                                       const(f"beta{i}", layer.bias.data),
                                       const(f"mean{i}", layer.running_mean),
                                       const(f"var{i}", layer.running_var)], epsilon=float(layer.eps))
        elif isinstance(layer, LayerNorm):
            add("LayerNormalization", [cur(), const(f"gamma{i}", layer.weight.data),
                                       const(f"beta{i}", layer.bias.data)], axis=-1, epsilon=float(layer.eps))
        elif isinstance(layer, PeriodicEmbedding):
            x3 = add("Unsqueeze", [cur(), const(f"axis{i}", [2], np.int64)])  # (N, F, 1)
            # (2 pi x) f, in the order forward multiplies
            angles = add("Mul", [add("Mul", [x3, const(f"twopi{i}", 2 * np.pi)]),
                                 const(f"freq{i}", layer.frequencies.data)])
            parts = [add("Cos", [angles]), add("Sin", [angles])] + ([x3] if layer.include_input else [])
            add("Concat", parts, axis=2)
            add("Einsum", [cur(), const(f"W{i}", layer.weight.data)], equation="nfm,fmd->nfd")
            add("Add", [cur(), const(f"b{i}", layer.bias.data)])
            add("Reshape", [cur(), const(f"shape{i}", [-1, layer.n_out], np.int64)])
        elif isinstance(layer, Dropout):
            if layer.scale == "inference" and layer.rate > 0:
                add("Mul", [cur(), const(f"keep{i}", 1.0 - layer.rate)])
        else:
            raise ValueError(f"Layer {i} ({type(layer).__name__}) has no ONNX mapping. "
                             f"Received: layer={type(layer).__name__}")
