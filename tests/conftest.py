"""Shared fixtures: the digits split and small random data. Kept small on purpose."""

import numpy as np
import pytest


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits scaled to [0, 1] (/16), stratified 75/25 split, float32."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    return X_train, X_test, y_train, y_test


@pytest.fixture
def rng():
    return np.random.default_rng(12345)

