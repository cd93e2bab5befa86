"""Central finite differences shared by the layer tests (float64 gradient checks)."""

import numpy as np

from ridgeback import Dropout


def numeric_input_grad(layer, x, g, eps=1e-6, training=False):
    """d sum(layer(x) * g) / dx by central differences (dropout masks reused via rng state)."""
    state = layer.rng.bit_generator.state if isinstance(layer, Dropout) else None
    num = np.empty_like(x)
    flat = x.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        vals = []
        for v in (old + eps, old - eps):
            flat[i] = v
            if state is not None:
                layer.rng.bit_generator.state = state
            vals.append(float(np.sum(layer.forward(x, training=training) * g)))
        flat[i] = old
        num.reshape(-1)[i] = (vals[0] - vals[1]) / (2 * eps)
    if state is not None:
        layer.rng.bit_generator.state = state
    return num
