"""Inspection: exact-zero shares, norms and surviving input features, on hand-set weights."""

import numpy as np
import pandas as pd
import pytest

from ridgeback import layer_summary, mlp, selected_features
from ridgeback.engine.inspection import final_step, input_names, network_of


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


class _Fitted:
    """A fitted estimator as far as the inspection helpers can tell."""

    def __init__(self, network, names=None):
        self.network_ = network
        if names is not None:
            self.feature_names_in_ = np.array(names, dtype=object)


class _Tabular:
    """A fitted TabularModel as far as the inspection helpers can tell (duck-typed in engine)."""

    def __init__(self, estimator, names):
        self.estimator = estimator
        self.preprocessor = type("Pre", (), {"feature_names_out_": names})()


def test_network_of_unwraps_estimators_pipelines_and_tabular_models():
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    net = _net()
    estimator = _Fitted(net)
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", estimator)])
    tabular = _Tabular(estimator, ["a", "b", "c"])
    assert network_of(net) is net and network_of(estimator) is net
    assert network_of(pipe) is net and network_of(tabular) is net
    assert final_step(pipe) is estimator and final_step(tabular) is estimator and final_step(net) is net


def test_network_of_refuses_preprocessing_when_asked_and_unfitted_estimators():
    from sklearn.pipeline import Pipeline

    estimator = _Fitted(_net())
    assert network_of(estimator, through_preprocessing=False) is estimator.network_
    with pytest.raises(ValueError, match=r"Received: model of type Pipeline"):
        network_of(Pipeline([("mlp", estimator)]), through_preprocessing=False)
    with pytest.raises(ValueError, match=r"Received: model of type _Tabular"):
        network_of(_Tabular(estimator, ["a"]), through_preprocessing=False)
    with pytest.raises(ValueError, match=r"Received: model of type object"):
        network_of(object())


def test_input_names_follow_the_preprocessing():
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    net = _net()
    assert input_names(net) is None
    assert list(input_names(_Fitted(net, ["x", "y", "z"]))) == ["x", "y", "z"]
    assert input_names(_Tabular(_Fitted(net), ["a", "b=1", "b=2"])) == ["a", "b=1", "b=2"]
    frame = pd.DataFrame(np.eye(3), columns=["p", "q", "r"])
    pipe = Pipeline([("scale", StandardScaler().fit(frame)), ("mlp", _Fitted(net))])
    assert input_names(pipe) == ["p", "q", "r"]
