"""``Sequential``: forward through the layers in order, backward through them in reverse."""

from __future__ import annotations

import numpy as np

from .._util.validation import check_int, check_one_of, check_positive, check_rate, resolve_dtype
from .activations import GELU, SELU, Mish, SiLU
from .embeddings import EMBEDDINGS
from .layers import LAYERS, Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from .normalization import BatchNorm, LayerNorm

__all__ = ["Sequential", "mlp", "ACTIVATIONS", "NORMALIZATIONS"]

ACTIVATIONS = {"relu": ReLU, "leaky_relu": LeakyReLU, "tanh": Tanh, "sigmoid": Sigmoid,
               "gelu": GELU, "silu": SiLU, "mish": Mish, "selu": SELU}
NORMALIZATIONS = {"batch": BatchNorm, "layer": LayerNorm}


class Sequential:
    """A stack of layers.

    ``backward`` is backpropagation itself: the gradient of the cost with respect to the
    network's output enters at the last layer, and each layer turns the gradient with
    respect to its output into the gradient with respect to its input, filling its
    parameters' ``.grad`` on the way, down to the first layer.

    Examples
    --------
    >>> import numpy as np
    >>> from ridgeback import Dense, ReLU, Sequential
    >>> net = Sequential(Dense(4, 8, seed=0), ReLU(), Dense(8, 3, seed=1))
    >>> net.forward(np.zeros((2, 4), dtype=np.float32)).shape
    (2, 3)
    """

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        self.layers = list(layers)
        # layers below the first one with parameters need no input gradient
        self._first_trainable = next((i for i, l in enumerate(self.layers) if l.parameters()), None)

    def forward(self, x, training=False):
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    __call__ = forward

    def backward(self, grad_out, input_grad=True):
        """Propagate ``grad_out`` (dC/d output) back; returns dC/d input (None if ``input_grad`` is False)."""
        stop = 0 if input_grad or self._first_trainable is None else self._first_trainable
        for i in range(len(self.layers) - 1, stop - 1, -1):
            layer = self.layers[i]
            if i == stop and not input_grad:
                return layer.backward(grad_out, input_grad=False)
            grad_out = layer.backward(grad_out)
        return grad_out

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self):
        """``[("0.weight", Parameter), ...]``, the names used in saved models."""
        return [(f"{i}.{p.name}", p) for i, layer in enumerate(self.layers) for p in layer.parameters()]

    def named_buffers(self):
        """``[("1.running_mean", ndarray), ...]``: the untrained state saved with the model."""
        return [(f"{i}.{name}", array) for i, layer in enumerate(self.layers)
                for name, array in layer.buffers().items()]

    @property
    def dense_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def dtype(self):
        params = self.parameters()
        return params[0].data.dtype if params else np.dtype(np.float32)

    @property
    def n_inputs(self):
        # a leading embedding takes the inputs; otherwise the first Dense layer does
        first = next(l for l in self.layers if isinstance(l, (Dense, *EMBEDDINGS)))
        return first.n_in

    @property
    def n_outputs(self):
        return self.dense_layers[-1].n_out

    def get_config(self):
        return {"layers": [{"class": type(l).__name__, "config": l.get_config()} for l in self.layers]}

    @classmethod
    def from_config(cls, config):
        layers = []
        for spec in config["layers"]:
            if spec.get("class") not in LAYERS:
                raise ValueError(f"Unknown layer class; expected one of {sorted(LAYERS)}. "
                                 f"Received: class={spec.get('class')!r}")
            layers.append(LAYERS[spec["class"]].from_config(spec.get("config", {})))
        return cls(*layers)

    def __repr__(self):
        inner = ",\n  ".join(repr(l) for l in self.layers)
        return f"Sequential(\n  {inner}\n)"


def mlp(sizes, activation="relu", dropout=0.0, seed=None, *, input_dropout=0.0, init=None,
        dtype=np.float32, dropout_scale="inverted", regularizer=None, constraint=None, max_norm=None,
        normalization=None):
    """Build a multilayer perceptron ``Dense -> [norm] -> activation -> Dropout -> ... -> Dense``.

    Parameters
    ----------
    sizes : sequence of int
        Widths from input to output, e.g. ``[64, 128, 10]``.
    activation : {"relu", "leaky_relu", "tanh", "sigmoid", "gelu", "silu", "mish", "selu"}
    dropout : float in [0, 1)
        Rate of the dropout after each hidden activation.
    input_dropout : float in [0, 1)
        Rate of the dropout applied to the inputs (typically lower, ~0.2).
    seed : int or None
        Seeds every weight initialization and dropout mask.
    init : {"he", "glorot"} or None
        Default: "he" for ReLU-like activations (relu, leaky_relu, gelu, silu, mish), "glorot" for
        tanh, sigmoid and selu (whose fixed point assumes variance :math:`\approx 1/n_{in}`).
    dropout_scale : {"inverted", "inference"}
    regularizer, constraint : per-layer settings for every Dense layer (usually left to the Trainer).
    max_norm : float or None
        Shorthand for ``constraint=MaxNorm(max_norm)`` on every Dense layer.
    normalization : {None, "batch", "layer"}
        A :class:`BatchNorm` or :class:`LayerNorm` after each hidden Dense layer, before its
        activation: ``Dense -> norm -> activation -> Dropout``. The activation then sees
        standardized pre-activations (Ioffe & Szegedy's placement), so that its non-linear range
        is used whatever the weights' scale; the dropout comes last so that batch statistics are
        taken on the same, undropped units in training and at inference.

    Examples
    --------
    >>> net = mlp([64, 32, 10], dropout=0.5, seed=0)
    >>> [type(l).__name__ for l in net.layers]
    ['Dense', 'ReLU', 'Dropout', 'Dense']
    """
    try:
        sizes = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise ValueError(f"`sizes` must be a sequence of positive integers. "
                         f"Received: sizes={sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"`sizes` needs at least an input and an output width. Received: sizes={sizes!r}")
    for i, s in enumerate(sizes):
        check_int(f"sizes[{i}]", s)
    check_one_of("activation", activation, tuple(ACTIVATIONS))
    check_one_of("normalization", normalization, (None, *NORMALIZATIONS))
    dropout = check_rate("dropout", dropout)
    input_dropout = check_rate("input_dropout", input_dropout)
    dtype = resolve_dtype(dtype)
    if init is None:
        init = "he" if activation in ("relu", "leaky_relu", "gelu", "silu", "mish") else "glorot"
    if max_norm is not None:
        from .constraints import MaxNorm

        constraint = MaxNorm(check_positive("max_norm", max_norm))
    seeds = np.random.SeedSequence(seed).spawn(2 * len(sizes))
    layers = []
    if input_dropout > 0:
        layers.append(Dropout(input_dropout, scale=dropout_scale, seed=np.random.default_rng(seeds[-1])))
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Dense(n_in, n_out, init=init, dtype=dtype, seed=np.random.default_rng(seeds[i]),
                            regularizer=regularizer, constraint=constraint))
        if i < len(sizes) - 2:
            if normalization is not None:
                layers.append(NORMALIZATIONS[normalization](n_out, dtype=dtype))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(Dropout(dropout, scale=dropout_scale,
                                      seed=np.random.default_rng(seeds[len(sizes) + i])))
    return Sequential(*layers)
