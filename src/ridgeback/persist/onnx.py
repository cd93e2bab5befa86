"""ONNX export of a trained network (the ``[onnx]`` extra: onnx + onnxruntime).

The graph computes the network on the **preprocessed** matrix, not on raw table columns:

* input ``"input"``: float32 ``[N, n_features]``, the output of ``TabularModel.transform(df)``
  (or, for a bare estimator or Sequential, the matrix it was trained on);
* output ``"probabilities"`` ``[N, n_classes]`` for classifiers (softmax of the last layer,
  as ``predict_proba``), ``"predictions"`` ``[N, n_outputs]`` for regressors and bare
  networks (the last layer's raw output).

Layers map one to one: Dense → MatMul + Add, ReLU → Relu, LeakyReLU → LeakyRelu, Tanh → Tanh,
Sigmoid → Sigmoid; Dropout is the identity at inference, or a Mul by the keep probability
:math:`1-p` for ``scale="inference"``. Column names and class labels are stored as metadata
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
from ..engine.inspection import network_of
from ..engine.layers import Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from ..engine.network import Sequential

__all__ = ["export_onnx", "OPSET"]

OPSET = 17
#: onnxruntime releases lag behind onnx's newest IR version; this one every supported runtime reads
_IR_VERSION = 8


def _parts(model):
    """(network, classifier?, classes, feature names) of a TabularModel, estimator or Sequential."""
    from ..tabular.model import TabularModel

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
    nodes, initializers = [], []
    current = "input"

    def add(op, inputs, **attrs):
        nonlocal current
        out = f"t{len(nodes)}_{op.lower()}"
        nodes.append(helper.make_node(op, inputs, [out], name=f"n{len(nodes)}_{op}", **attrs))
        current = out

    for i, layer in enumerate(network.layers):
        if isinstance(layer, Dense):
            initializers.append(numpy_helper.from_array(layer.weight.data.astype(np.float32), f"W{i}"))
            initializers.append(numpy_helper.from_array(layer.bias.data.astype(np.float32), f"b{i}"))
            add("MatMul", [current, f"W{i}"])
            add("Add", [current, f"b{i}"])
        elif isinstance(layer, ReLU):
            add("Relu", [current])
        elif isinstance(layer, LeakyReLU):
            add("LeakyRelu", [current], alpha=float(layer.negative_slope))
        elif isinstance(layer, Tanh):
            add("Tanh", [current])
        elif isinstance(layer, Sigmoid):
            add("Sigmoid", [current])
        elif isinstance(layer, Dropout):
            if layer.scale == "inference" and layer.rate > 0:
                initializers.append(numpy_helper.from_array(np.array(1.0 - layer.rate, dtype=np.float32),
                                                            f"keep{i}"))
                add("Mul", [current, f"keep{i}"])
        else:
            raise ValueError(f"Layer {i} ({type(layer).__name__}) has no ONNX mapping. "
                             f"Received: layer={type(layer).__name__}")
    output = "probabilities" if classifier else "predictions"
    if classifier:
        nodes.append(helper.make_node("Softmax", [current], [output], name="softmax", axis=1))
    else:
        nodes.append(helper.make_node("Identity", [current], [output], name="output"))
    n_in, n_out = network.n_inputs, network.n_outputs
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
    helper.set_model_props(onnx_model, {k: json.dumps(v, default=str) for k, v in metadata.items()})
    onnx.checker.check_model(onnx_model)
    path = Path(path)
    atomic_write_bytes(path, onnx_model.SerializeToString())
    return path
