"""Row and class weights through the Trainer, lockstep training and the estimators."""

import numpy as np
import pytest

from ridgeback import SGD, CrossEntropy, MLPClassifier, MLPRegressor, Trainer, mlp
from ridgeback.engine.lockstep import fit_in_lockstep

pytestmark = pytest.mark.filterwarnings("ignore:batch_size=.* is larger than")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0.3).astype(int)
    return X, y


def _weights(est):
    return [layer.weight.data.copy() for layer in est.network_.dense_layers]


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_sample_weight_of_ones_gives_bit_identical_weights(cls, data):
    X, y = data
    kw = dict(hidden_layer_sizes=(8,), max_epochs=15, random_state=0, dropout=0.1, learning_rate=1e-2)
    a = cls(**kw).fit(X, y)
    b = cls(**kw).fit(X, y, sample_weight=np.ones(len(y)))
    for wa, wb in zip(_weights(a), _weights(b), strict=True):
        assert np.array_equal(wa, wb)
    assert a.loss_curve_ == b.loss_curve_


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_integer_weights_equal_repeated_rows_in_full_batch_training(cls, data):
    """What is exact: with full-batch steps (``batch_size`` >= the rows), no early stopping
    and no dropout, every step's gradient is the weighted mean sum_i w_i g_i / sum_i w_i,
    which is the plain mean over the rows repeated w_i times; the two runs differ only in
    the order of the sums (the shuffled order of the rows), i.e. by float rounding. So
    float64 weights agree to ~1e-10 after 30 steps. (With minibatches they differ: the
    repeated rows make other minibatches and more steps per epoch.)"""
    X, y = data
    w = np.random.default_rng(1).integers(1, 4, len(y))
    kw = dict(hidden_layer_sizes=(8,), max_epochs=30, random_state=0, batch_size=1000, early_stopping=False,
              dtype="float64", learning_rate=1e-2)
    weighted = cls(**kw).fit(X, y, sample_weight=w)
    repeated = cls(**kw).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    for a, b in zip(_weights(weighted), _weights(repeated), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-10)


def test_trainer_sample_weight_is_the_weighted_minibatch_mean(data):
    """A row of weight 0 changes nothing: the same fit as leaving the row out (full batch)."""
    X, y = data
    w = np.ones(len(y))
    w[::3] = 0.0
    runs = []
    for X_, y_, w_ in ((X, y, w), (X[w > 0], y[w > 0], None)):
        t = Trainer(mlp([4, 6, 2], seed=0, dtype="float64"), CrossEntropy(), SGD(0.1), batch_size=1000,
                    epochs=10, seed=0)
        t.fit(X_, y_, sample_weight=w_)
        runs.append(t)
    np.testing.assert_allclose(runs[0].pack().data, runs[1].pack().data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(runs[0].history.train_loss, runs[1].history.train_loss, rtol=1e-12)


def test_lockstep_with_weights_is_bit_identical_to_one_by_one(data):
    X, y = data
    w = np.random.default_rng(2).uniform(0, 2, len(y))

    def trainers():
        return [Trainer(mlp([4, h, 2], seed=0), CrossEntropy(class_weight=[1.0, 3.0]), SGD(0.05),
                        batch_size=16, epochs=4, seed=7) for h in (4, 8)]

    alone = trainers()
    for t in alone:
        t.fit(X, y, validation_data=(X[:10], y[:10], w[:10]), sample_weight=w)
    together = trainers()
    fit_in_lockstep(together, X, y, validation_data=(X[:10], y[:10], w[:10]), sample_weight=w)
    for a, b in zip(alone, together, strict=True):
        assert np.array_equal(a.pack().data, b.pack().data)
        assert a.history.train_loss == b.history.train_loss
        assert a.history.val_loss == b.history.val_loss


def test_balanced_class_weight_is_sklearns(data):
    from sklearn.utils.class_weight import compute_class_weight

    X, y = data
    y = np.where(np.arange(len(y)) < 8, "rare", "common")
    clf = MLPClassifier((4,), max_epochs=2, random_state=0, class_weight="balanced").fit(X, y)
    np.testing.assert_allclose(clf.class_weight_, compute_class_weight("balanced", classes=clf.classes_, y=y))
    clf2 = MLPClassifier((4,), max_epochs=2, random_state=0, class_weight={"rare": 5.0}).fit(X, y)
    np.testing.assert_array_equal(clf2.class_weight_, [1.0, 5.0])


def test_balanced_classes_on_balanced_data_are_the_plain_loss(data):
    X, _ = data
    y = np.arange(len(X)) % 2
    a = MLPClassifier((4,), max_epochs=5, random_state=0).fit(X, y)
    b = MLPClassifier((4,), max_epochs=5, random_state=0, class_weight="balanced").fit(X, y)
    assert b.class_weight_ is None
    assert all(np.array_equal(p, q) for p, q in zip(_weights(a), _weights(b), strict=True))


def test_class_weight_raises_recall_of_the_rare_class():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 3))
    y = (X[:, 0] + 0.8 * rng.standard_normal(400) > 1.6).astype(int)  # ~6% positives
    kw = dict(hidden_layer_sizes=(8,), max_epochs=40, random_state=0, learning_rate=1e-2,
              early_stopping=False)
    plain = MLPClassifier(**kw).fit(X, y)
    balanced = MLPClassifier(**kw, class_weight="balanced").fit(X, y)
    recall = [float(np.mean(m.predict(X)[y == 1] == 1)) for m in (plain, balanced)]
    assert recall[1] > recall[0]


@pytest.mark.parametrize("bad, match", [
    ("heavy", "class_weight"), ({"a": -1.0}, "class_weight"), ({"zzz": 1.0}, "not in `y`")])
def test_bad_class_weight_is_a_value_error(bad, match, data):
    X, y = data
    with pytest.raises(ValueError, match=match):
        MLPClassifier((4,), max_epochs=1, class_weight=bad).fit(X, np.where(y, "a", "b"))


@pytest.mark.parametrize("bad, match", [
    (np.ones(3), "one weight per row"), (-np.ones(60), ">= 0"), (np.zeros(60), "all zero")])
def test_bad_sample_weight_is_a_value_error(bad, match, data):
    X, y = data
    with pytest.raises(ValueError, match=match):
        MLPRegressor((4,), max_epochs=1).fit(X, y.astype(float), sample_weight=bad)


def test_sample_weight_through_a_pipeline(data):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data
    w = np.random.default_rng(3).uniform(0.5, 2, len(y))
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", MLPClassifier((4,), max_epochs=3, random_state=0))])
    pipe.fit(X, y, mlp__sample_weight=w)
    direct = MLPClassifier((4,), max_epochs=3, random_state=0).fit(StandardScaler().fit_transform(X), y,
                                                                    sample_weight=w)
    assert all(np.array_equal(p, q) for p, q in zip(_weights(pipe[-1]), _weights(direct), strict=True))


def test_early_stopping_on_a_metric_records_and_watches_it(data):
    from sklearn.metrics import roc_auc_score

    X, y = data
    clf = MLPClassifier((8,), max_epochs=30, random_state=0, scoring="roc_auc", patience=3,
                        learning_rate=1e-2).fit(X, y)
    h = clf.history_
    assert len(h.val_score) == h.epochs and clf.validation_scores_ == h.val_score
    assert h.best_epoch == int(np.argmax(h.val_score))  # the first best, as early stopping keeps it
    # the recorded score is the AUC of the kept network on the validation rows
    _, val = clf._split(np.searchsorted(clf.classes_, y), 0.1, clf._seeds(0)[2], True)
    assert roc_auc_score(y[val], clf.predict_proba(X[val])[:, 1]) == pytest.approx(h.val_score[h.best_epoch],
                                                                                  abs=1e-6)
    plain = MLPClassifier((8,), max_epochs=30, random_state=0, patience=3, learning_rate=1e-2).fit(X, y)
    assert plain.history_.val_score == [] and "val_score" not in plain.history_.to_dict()


def test_regressor_early_stopping_metric_is_in_target_units(data):
    X, _ = data
    y = 100.0 + 50.0 * X[:, 0]
    reg = MLPRegressor((8,), max_epochs=10, random_state=0, scoring="neg_root_mean_squared_error",
                       learning_rate=1e-2).fit(X, y)
    _, val = reg._split(np.zeros(len(X)), 0.1, reg._seeds(0)[2], False)
    rmse = float(np.sqrt(np.mean((reg.predict(X[val]) - y[val]) ** 2)))
    assert -reg.history_.val_score[reg.history_.best_epoch] == pytest.approx(rmse, rel=1e-5)
    with pytest.raises(ValueError, match="regression metric"):
        MLPRegressor((4,), max_epochs=1, scoring="roc_auc").fit(X, y)


def test_tabular_model_passes_sample_weight_to_its_estimator(data):
    import pandas as pd

    from ridgeback.tabular.model import TabularModel

    X, y = data
    df = pd.DataFrame(X, columns=list("abcd"))
    w = np.random.default_rng(4).uniform(0.5, 2, len(y))
    kw = dict(hidden_layer_sizes=(4,), max_epochs=3, random_state=0)
    plain = TabularModel(MLPClassifier(**kw)).fit(df, y)
    ones = TabularModel(MLPClassifier(**kw)).fit(df, y, sample_weight=np.ones(len(y)))
    weighted = TabularModel(MLPClassifier(**kw)).fit(df, y, sample_weight=w)
    assert all(np.array_equal(p, q) for p, q in zip(_weights(plain.estimator), _weights(ones.estimator),
                                                     strict=True))
    assert not np.array_equal(_weights(plain.estimator)[0], _weights(weighted.estimator)[0])


@pytest.mark.parametrize("labels, spec", [
    (np.array([0, 1]), {0: 1.0, 1: 4.0}),  # integer keys: JSON writes them as strings
    (np.array(["common", "rare"]), {"rare": 3.0}),
    (np.array([0, 1]), "balanced"),
])
def test_class_weight_survives_save_and_load(labels, spec, data, tmp_path):
    from ridgeback import load, save

    X, _ = data
    y = labels[(np.arange(len(X)) < 10).astype(int)]  # 10 of 60 rows in the second class
    clf = MLPClassifier((4,), max_epochs=2, random_state=0, class_weight=spec).fit(X, y)
    back = load(save(clf, tmp_path / "m"))
    assert back.class_weight == spec
    assert [type(k) for k in back.class_weight] == [type(k) for k in spec] if isinstance(spec, dict) else True
    np.testing.assert_array_equal(back.class_weight_, clf.class_weight_)
    assert back.class_weight_.tolist() != [1.0, 1.0]
