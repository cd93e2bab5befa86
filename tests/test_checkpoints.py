"""Checkpoints: atomic JSON + npz, no pickle, and bit-identical resume of a Trainer."""

import json

import numpy as np
import pytest

from ridgeback import L2, Adam, CrossEntropy, EarlyStopping, Trainer, mlp
from ridgeback.persist.checkpoints import CHECKPOINT_FILE, has_checkpoint, load_checkpoint, save_checkpoint


def _data(seed=0, n=96, d=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def _trainer(epochs=6, callbacks=()):
    net = mlp([5, 8, 2], dropout=0.3, seed=1)
    return Trainer(
        net,
        CrossEntropy(),
        Adam(1e-2),
        regularizer=L2(1e-3),
        batch_size=10,
        epochs=epochs,
        early_stopping=EarlyStopping(patience=50),
        seed=7,
        callbacks=list(callbacks),
    )


class _SaveAt:
    """Save a checkpoint at (epoch, batch position) and stop: a crash right after the save."""

    def __init__(self, rundir, epoch, position):
        self.rundir, self.epoch, self.position = rundir, epoch, position

    def on_batch_end(self, trainer, epoch, position):
        if (epoch, position) == (self.epoch, self.position):
            save_checkpoint(self.rundir, trainer.state(), {"note": "mid"}, position=position)
            trainer.stop_training = True


@pytest.mark.parametrize("epoch, position", [(0, 10), (2, 50), (3, 90)])
def test_resume_mid_epoch_gives_bit_identical_weights(tmp_path, epoch, position):
    X, y = _data()
    reference = _trainer()
    reference.fit(X, y, validation_data=(X[:20], y[:20]))
    crashed = _trainer(callbacks=[_SaveAt(tmp_path, epoch, position)])
    crashed.fit(X, y, validation_data=(X[:20], y[:20]))
    state, extra = load_checkpoint(tmp_path)
    assert extra == {"note": "mid"} and state["position"] == position and state["epoch"] == epoch
    resumed = _trainer()
    resumed.load_state(state, state["position"])
    resumed.fit(X, y, validation_data=(X[:20], y[:20]))
    np.testing.assert_array_equal(resumed.state()["weights"], reference.state()["weights"])
    assert resumed.history.val_loss == reference.history.val_loss
    assert resumed.history.best_epoch == reference.history.best_epoch


def test_checkpoint_files_are_json_and_plain_npz(tmp_path):
    X, y = _data()
    trainer = _trainer(epochs=2)
    trainer.fit(X, y)
    save_checkpoint(tmp_path, trainer.state(), {"data": "x.csv"})
    meta = json.loads((tmp_path / CHECKPOINT_FILE).read_text())
    assert meta["format"] == "ridgeback-checkpoint" and meta["epoch"] == 1
    assert meta["rng"]["bit_generator"] == "PCG64"  # RNG state stored as JSON
    with np.load(tmp_path / meta["arrays"], allow_pickle=False) as npz:
        assert "weights" in npz.files and all(npz[k].dtype != object for k in npz.files)
    assert has_checkpoint(tmp_path)
    # only the latest array file is kept
    save_checkpoint(tmp_path, trainer.state(), {}, position=30)
    assert len(list(tmp_path.glob("checkpoint-*.npz"))) == 1


def test_infinite_early_stopping_best_round_trips(tmp_path):
    X, y = _data()
    trainer = _trainer(epochs=1)
    state = trainer.state()  # before fit: best is +inf
    save_checkpoint(tmp_path, state, {})
    loaded, _ = load_checkpoint(tmp_path)
    assert loaded["early_stopping"]["best"] == float("inf")


def test_altered_array_file_is_refused(tmp_path):
    X, y = _data()
    trainer = _trainer(epochs=1)
    trainer.fit(X, y)
    save_checkpoint(tmp_path, trainer.state(), {})
    name = json.loads((tmp_path / CHECKPOINT_FILE).read_text())["arrays"]
    data = bytearray((tmp_path / name).read_bytes())
    data[-10] ^= 0xFF
    (tmp_path / name).write_bytes(bytes(data))
    with pytest.raises(ValueError, match="SHA-256"):
        load_checkpoint(tmp_path)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"format_version": 99}, "format version"),
        ({"format": "other"}, "not a ridgeback checkpoint"),
        ({"arrays": "../evil.npz"}, "plain file name"),
    ],
)
def test_foreign_or_hostile_checkpoint_json_is_refused(tmp_path, change, match):
    X, y = _data()
    trainer = _trainer(epochs=1)
    trainer.fit(X, y)
    save_checkpoint(tmp_path, trainer.state(), {})
    meta = json.loads((tmp_path / CHECKPOINT_FILE).read_text())
    meta.update(change)
    (tmp_path / CHECKPOINT_FILE).write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=match):
        load_checkpoint(tmp_path)


def test_missing_checkpoint_says_how_to_make_one(tmp_path):
    with pytest.raises(ValueError, match="--checkpoint-every"):
        load_checkpoint(tmp_path)
