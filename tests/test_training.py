"""Trainer: it learns, it is deterministic and resumable, float32 end to end, and it rejects bad
arguments (bad data: test_training_data.py)."""

import numpy as np
import pytest

from ridgeback import (
    L1,
    L2,
    SGD,
    Adam,
    AdamW,
    BinaryCrossEntropy,
    CrossEntropy,
    Dense,
    EarlyStopping,
    MeanSquaredError,
    RMSprop,
    Sequential,
    Tanh,
    Trainer,
    TrainingDiverged,
    mlp,
)
from ridgeback._util.validation import check_array_2d


def test_it_learns_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0])
    net = Sequential(Dense(2, 8, init="glorot", seed=0), Tanh(), Dense(8, 2, init="glorot", seed=1))
    history = Trainer(net, CrossEntropy(), Adam(0.05), batch_size=4, epochs=300, seed=0).fit(X, y)
    np.testing.assert_array_equal(net.forward(X).argmax(axis=1), y)
    assert history.train_loss[-1] < 0.05 < history.train_loss[0]


def test_it_learns_xor_with_one_sigmoid_output():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    net = mlp([2, 8, 1], activation="tanh", seed=0)
    Trainer(net, BinaryCrossEntropy(), Adam(0.05), batch_size=4, epochs=300, seed=0).fit(X, y)
    np.testing.assert_array_equal((net.forward(X)[:, 0] > 0).astype(float), y)


def test_digits_reach_97_percent_with_one_hidden_layer(digits):
    X_train, X_test, y_train, y_test = digits
    net = mlp([64, 128, 10], seed=0)
    history = Trainer(net, CrossEntropy(), Adam(3e-3), epochs=40, seed=0).fit(
        X_train, y_train, validation_data=(X_test, y_test))
    accuracy = np.mean(net.forward(X_test).argmax(axis=1) == y_test)
    assert accuracy >= 0.97
    assert history.val_accuracy[-1] == pytest.approx(accuracy)
    assert len(history.train_loss) == len(history.val_loss) == len(history.penalty) == 40
    assert history.train_accuracy[-1] > 0.99
    assert history.penalty == [0.0] * 40


def _train_with_dropout(seed, X, y, **kwargs):
    net = mlp([64, 32, 10], dropout=0.5, input_dropout=0.2, seed=0)
    trainer = Trainer(net, CrossEntropy(), Adam(3e-3), regularizer=L1(1e-4), epochs=2, seed=seed, **kwargs)
    trainer.fit(X, y)
    return net, trainer


def test_same_seed_gives_bit_identical_weights(digits):
    X, _, y, _ = digits
    a, _ = _train_with_dropout(7, X, y)
    b, _ = _train_with_dropout(7, X, y)
    c, _ = _train_with_dropout(8, X, y)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data)
    assert not np.array_equal(a.parameters()[0].data, c.parameters()[0].data)


def test_resuming_from_state_mid_epoch_is_bit_identical(digits):
    X, _, y, _ = digits
    full, _ = _train_with_dropout(3, X, y)

    saved = {}

    class StopMidEpoch:
        def on_batch_end(self, trainer, epoch, position):
            if epoch == 0 and position >= 640:
                saved["state"], saved["position"] = trainer.state(), position
                trainer.stop_training = True

    _, first = _train_with_dropout(3, X, y, callbacks=[StopMidEpoch()])
    assert saved["position"] == 640 and first.history.interrupted
    assert first.history.epochs == 0  # no history entry for the partial epoch

    net = mlp([64, 32, 10], dropout=0.5, input_dropout=0.2, seed=123)  # other weights, other masks
    resumed = Trainer(net, CrossEntropy(), Adam(3e-3), regularizer=L1(1e-4), epochs=2, seed=99)
    resumed.load_state(saved["state"], position=saved["position"])
    history = resumed.fit(X, y)
    for pa, pb in zip(full.parameters(), net.parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data)
    # the resumed epoch's record covers the whole epoch, as in the uninterrupted run
    full_history = _train_with_dropout(3, X, y)[1].history
    assert history.train_loss == full_history.train_loss
    assert history.train_accuracy == full_history.train_accuracy


@pytest.mark.parametrize("opt", [lambda: SGD(0.1, momentum=0.9, weight_decay=1e-4), lambda: Adam(1e-3),
                                 lambda: AdamW(1e-3), lambda: RMSprop(1e-3, momentum=0.5, centered=True)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_stays_in_the_model_dtype(opt, dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 6))  # float64 input: converted once at the boundary
    y = rng.integers(0, 3, 50)
    net = mlp([6, 8, 3], dropout=0.3, seed=0, dtype=dtype)
    seen = []

    class Watch:
        def on_batch_end(self, trainer, epoch, position):
            seen.extend(p.grad.dtype for p in net.parameters())
            seen.extend(p.data.dtype for p in net.parameters())
            for st in trainer.optimizer.state.values():
                seen.extend(v.dtype for v in st.values() if isinstance(v, np.ndarray))

    trainer = Trainer(net, CrossEntropy(), opt(), regularizer=L1(1e-3) + L2(1e-3), epochs=2, batch_size=16,
                      seed=0, callbacks=[Watch()])
    trainer.fit(X, y)
    assert seen and set(seen) == {np.dtype(dtype)}
    assert net.forward(X.astype(dtype)).dtype == dtype
    loss = CrossEntropy()
    loss.forward(net.forward(X.astype(dtype), training=True), y)
    assert loss.backward().dtype == dtype


def test_validated_float32_data_is_not_copied():
    X = np.ones((10, 3), dtype=np.float32)
    assert check_array_2d("X", X, np.dtype(np.float32)) is X


def test_early_stopping_restores_the_best_epoch():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 5)).astype(np.float32)
    y = X @ rng.standard_normal((5, 1)).astype(np.float32)
    X_val = rng.standard_normal((30, 5)).astype(np.float32)
    y_val = rng.standard_normal((30, 1)).astype(np.float32)  # unrelated: validation loss soon rises
    net = mlp([5, 32, 1], seed=0)
    snapshots = {}

    class Keep:
        def on_epoch_end(self, trainer, epoch, logs):
            snapshots[epoch] = [p.data.copy() for p in net.parameters()]

    es = EarlyStopping(patience=3)
    history = Trainer(net, MeanSquaredError(), Adam(1e-2), epochs=200, early_stopping=es, seed=0,
                      callbacks=[Keep()]).fit(X, y, validation_data=(X_val, y_val))
    best = int(np.argmin(history.val_loss))
    assert history.stopped_early and history.epochs < 200
    # it stops once `patience` + 1 = 4 epochs in a row have not improved on the best one
    assert history.best_epoch == best and history.epochs == best + 1 + 4
    for p, saved in zip(net.parameters(), snapshots[best], strict=True):
        np.testing.assert_array_equal(p.data, saved)


def test_history_records_the_penalty_of_the_weights():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 3)), rng.integers(0, 2, 20)
    net = mlp([3, 4, 2], seed=0)
    trainer = Trainer(net, CrossEntropy(), SGD(0.1), regularizer=L2(0.01), batch_size=5, epochs=2, seed=0)
    history = trainer.fit(X, y)
    expected = sum(0.01 * float(np.sum(l.weight.data.astype(np.float64) ** 2)) for l in net.dense_layers)
    assert history.penalty[-1] == pytest.approx(expected, rel=1e-5)
    assert history.cost[-1] == pytest.approx(history.train_loss[-1] + history.penalty[-1])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_raises_and_restores_the_last_good_weights():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 4)).astype(np.float32) * 100
    y = rng.standard_normal((32, 1)).astype(np.float32) * 100
    net = mlp([4, 16, 1], seed=0)
    with pytest.raises(TrainingDiverged):
        Trainer(net, MeanSquaredError(), SGD(10.0), epochs=50, seed=0).fit(X, y)
    assert all(np.isfinite(p.data).all() for p in net.parameters())


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), r"Received: batch_size=0"),
    (dict(batch_size=2.5), r"Received: batch_size=2\.5"),
    (dict(epochs=0), r"Received: epochs=0"),
    (dict(regularizer="l1"), r"Received: regularizer='l1'"),
    (dict(early_stopping=5), r"Received: early_stopping=5"),
])
def test_bad_trainer_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Trainer(mlp([3, 4, 2]), CrossEntropy(), SGD(0.1), **kwargs)


def test_bad_early_stopping_arguments():
    with pytest.raises(ValueError, match=r"Received: patience=-1"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match=r"Received: min_delta=-0\.1"):
        EarlyStopping(min_delta=-0.1)


@pytest.mark.parametrize("opt", [lambda: Adam(1e-3), lambda: SGD(0.05, momentum=0.9)])
def test_penalty_added_inside_the_optimizer_step_gives_the_same_weights(digits, opt):
    # elementwise penalties go into the gradient chunk by chunk inside Adam's step; a penalty
    # marked non-elementwise takes the old path (the whole gradient before the step): the two
    # must train bit-identically, here on 64-512-128-10 (about 100 k weights, two Adam chunks)
    # with a model-wide L2 and a layer's own non-proximal L1 whose segment crosses a chunk border
    X, _, y, _ = digits

    def train(elementwise):
        net = mlp([64, 512, 128, 10], dropout=0.3, seed=2)
        l2, l1 = L2(1e-3), L1(1e-4, proximal=False)
        net.dense_layers[1].weight.regularizer = l1
        if not elementwise:
            l2.elementwise = l1.elementwise = False
        Trainer(net, CrossEntropy(), opt(), regularizer=l2, batch_size=64, epochs=2, seed=0).fit(X, y)
        return [p.data.copy() for p in net.parameters()]

    fused, separate = train(True), train(False)
    for a, b in zip(fused, separate, strict=True):
        assert a.tobytes() == b.tobytes()
    untouched = [p.data for p in mlp([64, 512, 128, 10], dropout=0.3, seed=2).parameters()]
    assert not np.array_equal(fused[0], untouched[0])
