"""The Trainer with the recipe pieces: learning-rate schedules per step (also resumed and in
lockstep), BatchNorm's running statistics kept with early stopping's best weights and in
checkpoints, and the last single-row batch merged when the network has a BatchNorm."""

import numpy as np
import pytest

from ridgeback import L2, Adam, CrossEntropy, EarlyStopping, Trainer, mlp
from ridgeback.engine.lockstep import fit_in_lockstep, lockstep_problem
from ridgeback.engine.schedules import Cosine, MultiCycle, OneCycle
from ridgeback.persist.checkpoints import load_checkpoint, save_checkpoint


def _data(seed=0, n=97, d=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def _trainer(schedule=None, normalization=None, epochs=6, callbacks=(), patience=50, lr=1e-2, seed=1):
    net = mlp([5, 8, 8, 2], dropout=0.2, seed=seed, normalization=normalization)
    return Trainer(net, CrossEntropy(), Adam(lr), regularizer=L2(1e-3), batch_size=12, epochs=epochs,
                   early_stopping=EarlyStopping(patience=patience), seed=7, callbacks=list(callbacks),
                   lr_schedule=schedule)


class _RecordLR:
    def __init__(self):
        self.rates = []

    def on_batch_end(self, trainer, epoch, position):
        self.rates.append(trainer.optimizer.lr)


def test_schedule_sets_the_rate_of_every_step_and_restores_the_base_rate():
    X, y = _data()
    record = _RecordLR()
    trainer = _trainer(Cosine(warmup=0.1), epochs=3, callbacks=[record])
    trainer.fit(X, y)
    steps_per_epoch = 9  # 97 rows in batches of 12: 8 full batches and one of 1 row
    expected = 1e-2 * Cosine(warmup=0.1).factors(3 * steps_per_epoch)
    np.testing.assert_allclose(record.rates, expected, rtol=0, atol=0)
    assert trainer.optimizer.lr == 1e-2


def test_constant_schedule_is_bit_identical_to_no_schedule():
    X, y = _data()
    a, b = _trainer(None), _trainer("constant")
    a.fit(X, y)
    b.fit(X, y)
    assert a.state()["weights"].tobytes() == b.state()["weights"].tobytes()


def test_a_schedule_changes_training():
    X, y = _data()
    a, b = _trainer(None), _trainer("onecycle")
    a.fit(X, y)
    b.fit(X, y)
    assert not np.array_equal(a.state()["weights"], b.state()["weights"])


class _SaveAt:
    def __init__(self, rundir, epoch, position):
        self.rundir, self.epoch, self.position = rundir, epoch, position

    def on_batch_end(self, trainer, epoch, position):
        if (epoch, position) == (self.epoch, self.position):
            save_checkpoint(self.rundir, trainer.state(), {}, position=position)
            trainer.stop_training = True


@pytest.mark.parametrize("normalization", [None, "batch"])
@pytest.mark.parametrize("schedule", [MultiCycle(), OneCycle()])
def test_resume_with_a_schedule_is_bit_identical(tmp_path, schedule, normalization):
    X, y = _data()
    val = (X[:20], y[:20])
    reference = _trainer(schedule, normalization)
    reference.fit(X, y, validation_data=val)
    crashed = _trainer(schedule, normalization, callbacks=[_SaveAt(tmp_path, 2, 36)])
    crashed.fit(X, y, validation_data=val)
    assert crashed.optimizer.lr == 1e-2  # set back when the run ended, even interrupted
    state, _ = load_checkpoint(tmp_path)
    resumed = _trainer(schedule, normalization)
    resumed.load_state(state, state["position"])
    resumed.fit(X, y, validation_data=val)
    assert resumed.state()["weights"].tobytes() == reference.state()["weights"].tobytes()
    assert resumed.history.val_loss == reference.history.val_loss
    for (name, a), (_, b) in zip(resumed.model.named_buffers(), reference.model.named_buffers(), strict=True):
        assert a.tobytes() == b.tobytes(), name


def _batchnorm_stats(trainer):
    return {name: array.copy() for name, array in trainer.model.named_buffers()}


class _Snapshot:
    """Every epoch's weights and BatchNorm statistics."""

    def __init__(self):
        self.epochs = {}

    def on_epoch_end(self, trainer, epoch, logs):
        self.epochs[epoch] = (trainer.pack().data.copy(), _batchnorm_stats(trainer))


def test_early_stopping_restores_the_best_epochs_batchnorm_statistics():
    X, y = _data()
    snap = _Snapshot()
    trainer = _trainer(normalization="batch", epochs=30, callbacks=[snap], patience=2, lr=5e-2)
    trainer.fit(X[20:], y[20:], validation_data=(X[:20], y[:20]))
    best = trainer.history.best_epoch
    assert best is not None and best < trainer.history.epochs - 1  # not the last epoch's weights
    weights, stats = snap.epochs[best]
    np.testing.assert_array_equal(trainer.pack().data, weights)
    last_stats = snap.epochs[trainer.history.epochs - 1][1]
    for name, array in trainer.model.named_buffers():
        np.testing.assert_array_equal(array, stats[name])
        assert not np.array_equal(array, last_stats[name])  # restored, not left as trained


def test_batchnorm_merges_a_last_single_row_into_the_batch_before():
    X, y = _data(n=97)  # 8 batches of 12 and one of 1 row
    trainer = _trainer(normalization="batch", epochs=2)
    assert trainer.batch_bounds(97)[-1] == (84, 97)
    assert len(trainer.batch_bounds(97)) == 8
    trainer.fit(X, y)  # a one-row batch would raise in BatchNorm
    plain = _trainer(epochs=1)
    assert plain.batch_bounds(97)[-1] == (96, 97)  # without BatchNorm: split as before


def test_batchnorm_refuses_batches_of_one_row():
    X, y = _data(n=40)
    net = mlp([5, 4, 2], normalization="batch", seed=0)
    trainer = Trainer(net, CrossEntropy(), Adam(1e-2), batch_size=1, epochs=1, seed=0)
    with pytest.raises(ValueError, match="Received: x with shape"):
        trainer.fit(X, y)


@pytest.mark.parametrize("normalization", [None, "batch", "layer"])
def test_lockstep_with_a_schedule_equals_one_by_one(normalization):
    X, y = _data()
    val = (X[:20], y[:20])

    def trainers():
        out = []
        for k, (reg, dropout) in enumerate([(L2(1e-3), 0.0), (L2(1e-1), 0.3), (None, 0.5)]):
            net = mlp([5, 8, 2], dropout=dropout, seed=k, normalization=normalization)
            out.append(Trainer(net, CrossEntropy(), Adam(1e-2), regularizer=reg, batch_size=12, epochs=8,
                               seed=3, early_stopping=EarlyStopping(patience=1, min_delta=1e-3),
                               lr_schedule=MultiCycle()))
        return out

    alone = trainers()
    for t in alone:
        t.fit(X[20:], y[20:], validation_data=val)
    together = trainers()
    fit_in_lockstep(together, X[20:], y[20:], validation_data=val)
    for a, b in zip(alone, together, strict=True):
        assert a.pack().data.tobytes() == b.pack().data.tobytes()
        assert a.history.to_dict() == b.history.to_dict()
        assert b.optimizer.lr == 1e-2
        for (_, p), (_, q) in zip(a.model.named_buffers(), b.model.named_buffers(), strict=True):
            assert p.tobytes() == q.tobytes()


def test_lockstep_refuses_different_schedules_or_batch_splits():
    a, b = _trainer("cosine"), _trainer("multicycle", seed=2)
    assert "schedule" in lockstep_problem([a, b])
    c, d = _trainer(None), _trainer(None, "batch", seed=2)
    assert "BatchNorm" in lockstep_problem([c, d])
