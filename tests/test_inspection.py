"""Inspection: exact-zero shares, norms and surviving input features, on hand-set weights."""

import numpy as np
import pytest

from ridgeback import layer_summary, mlp, selected_features


def _net():
    net = mlp([3, 2, 2], seed=0, dtype=np.float64)
    first, second = net.dense_layers
    first.weight.data[...] = [[3.0, 0.0], [0.0, 0.0], [0.0, -4.0]]  # input 1 is unused
    second.weight.data[...] = [[1.0, 1.0], [1.0, 1.0]]
    return net


def test_layer_summary_reports_zeros_and_norms():
    first, second = layer_summary(_net())
    assert first["layer"] == 0 and first["shape"] == (3, 2)
    assert first["n_zero"] == 4 and first["zero_fraction"] == pytest.approx(4 / 6)
    assert first["l1_norm"] == 7.0 and first["l2_norm"] == 5.0
    assert first["max_column_norm"] == 4.0 and first["active_inputs"] == 2
    assert second["zero_fraction"] == 0.0 and second["l2_norm"] == 2.0
    assert second["max_column_norm"] == np.sqrt(2)


def test_selected_features_gives_indices_and_names():
    net = _net()
    sel = selected_features(net)
    assert list(sel) == [0, 2] and len(sel) == 2 and sel.names is None
    np.testing.assert_array_equal(np.asarray(sel), [0, 2])
    named = selected_features(net, feature_names=["age", "noise", "income"])
    assert named.names == ["age", "income"]


def test_selected_features_reads_a_fitted_estimator_and_its_column_names():
    class Fitted:
        network_ = _net()
        feature_names_in_ = np.array(["a", "b", "c"], dtype=object)

    assert selected_features(Fitted()).names == ["a", "c"]
    assert layer_summary(Fitted())[0]["n_zero"] == 4


def test_inspection_rejects_other_objects():
    with pytest.raises(ValueError, match=r"Received: model of type dict"):
        layer_summary({})
    with pytest.raises(ValueError, match=r"Received: model of type list"):
        selected_features([])
