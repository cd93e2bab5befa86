"""Shared helpers for the guide's experiments: data, training, figures and results.

Every experiment writes its figures to ``docs/figures/`` and the numbers the text quotes
to ``docs/results/<chapter>.json``; ``run_all.py`` then fills the guide's placeholders
from those files, so the prose cannot drift from what the code measured.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn import datasets  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from ridgeback import Adam, CrossEntropy, Trainer, mlp  # noqa: E402
from ridgeback._util.files import atomic_write_bytes, atomic_write_text  # noqa: E402

# One BLAS thread: these networks are small, and on a shared 2-core machine a multi-threaded
# OpenBLAS spends its time waiting for cores (measured: a 64-256-256-10 fit 30 s -> 1.6 s).
threadpool_limits(1)

DOCS = Path(__file__).resolve().parents[1]
FIGURES = DOCS / "figures"
RESULTS = DOCS / "results"

LOADERS = {
    "digits": datasets.load_digits,
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "iris": datasets.load_iris,
}


def load(name: str):
    """A built-in scikit-learn dataset as float32 features and integer labels."""
    X, y = LOADERS[name](return_X_y=True)
    return X.astype(np.float32), y.astype(np.intp)


def split_scaled(X, y, test_size=0.3, seed=0):
    """Stratified train/test split, standardized with statistics of the training rows only."""
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    return (scaler.transform(X_tr).astype(np.float32), scaler.transform(X_te).astype(np.float32), y_tr, y_te)


def train(
    X,
    y,
    *,
    hidden=(128,),
    regularizer=None,
    dropout=0.0,
    input_dropout=0.0,
    max_norm=None,
    optimizer=None,
    epochs=40,
    batch_size=32,
    seed=0,
    validation_data=None,
    dropout_scale="inverted",
):
    """Train a ReLU classifier; return the Trainer (its ``model`` and ``history``)."""
    n_classes = int(y.max()) + 1
    net = mlp(
        [X.shape[1], *hidden, n_classes],
        dropout=dropout,
        input_dropout=input_dropout,
        seed=seed,
        max_norm=max_norm,
        dropout_scale=dropout_scale,
    )
    trainer = Trainer(
        net,
        CrossEntropy(),
        optimizer if optimizer is not None else Adam(1e-3),
        regularizer=regularizer,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
    )
    trainer.fit(X, y, validation_data=validation_data)
    return trainer


def accuracy(model, X, y) -> float:
    return float(np.mean(model.forward(X).argmax(axis=1) == y))


def log_loss(probabilities, y) -> float:
    p = np.clip(probabilities[np.arange(len(y)), y], 1e-12, 1.0)
    return float(-np.mean(np.log(p)))


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _plain(value):
    """JSON-ready copy: NumPy scalars and arrays become Python numbers and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_results(chapter: str, results: dict) -> None:
    """Write ``docs/results/<chapter>.json`` (atomically, keys sorted: stable diffs)."""
    text = json.dumps(_plain(results), indent=2, sort_keys=True) + "\n"
    atomic_write_text(RESULTS / f"{chapter}.json", text)


def save_table(name: str, header: list, rows: list) -> None:
    """Write a Markdown table to ``docs/results/<name>.md`` (included by ``{{table:name}}``)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    atomic_write_text(RESULTS / f"{name}.md", "\n".join(lines) + "\n")


def save_figure(fig, name: str) -> None:
    """Save ``fig`` as ``docs/figures/<name>.png`` with fixed metadata (reproducible bytes)."""
    import io

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    atomic_write_bytes(FIGURES / f"{name}.png", buffer.getvalue())
