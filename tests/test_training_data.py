"""The Trainer's training data: bad training and validation data are refused with a message that
names them, and a batch larger than the data warns and trains full batch."""

import numpy as np
import pytest

from ridgeback import SGD, CrossEntropy, Trainer, mlp

GOOD_X = np.zeros((4, 3), dtype=np.float32)
GOOD_Y = np.array([0, 1, 0, 1])


@pytest.mark.parametrize("X, y, message", [
    (np.zeros(4), GOOD_Y, r"2-D.*Received: X with shape \(4,\)"),
    (np.zeros((4, 3, 1)), GOOD_Y, r"Received: X with shape \(4, 3, 1\)"),
    (np.array([[0, 0, np.nan]] * 4), GOOD_Y, r"NaN.*row 0, column 2"),
    (np.array([[0, np.inf, 0]] * 4), GOOD_Y, r"infinity"),
    (GOOD_X, np.array([0, 1, np.nan, 1]), r"`y` must not contain NaN"),
    (GOOD_X, np.array([0, 1, 2, 1]), r"Received: y=2"),
    (GOOD_X, np.array([0, 1, 0]), r"same number of rows.*Received: X with 4 rows"),
    (np.zeros((4, 5)), GOOD_Y, r"3 columns.*Received: X with shape \(4, 5\)"),
    (np.zeros((0, 3)), np.zeros(0), r"at least one row"),
    (np.array([["a", "b", "c"]] * 4), GOOD_Y, r"numeric"),
])
def test_bad_training_data_raises_value_error(X, y, message):
    trainer = Trainer(mlp([3, 4, 2], seed=0), CrossEntropy(), SGD(0.1), epochs=1)
    with pytest.raises(ValueError, match=message):
        trainer.fit(X, y)


def test_bad_validation_data_is_named_as_such():
    trainer = Trainer(mlp([3, 4, 2], seed=0), CrossEntropy(), SGD(0.1), epochs=1)
    with pytest.raises(ValueError, match=r"`y_val`.*Received: y=5"):
        trainer.fit(GOOD_X, GOOD_Y, validation_data=(GOOD_X, np.array([0, 5, 0, 1])))
    with pytest.raises(ValueError, match=r"`X_val`"):
        trainer.fit(GOOD_X, GOOD_Y, validation_data=(np.zeros((4, 2)), GOOD_Y))


def test_batch_larger_than_the_data_warns_and_trains_full_batch():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    steps = []

    class Count:
        def on_batch_end(self, trainer, epoch, position):
            steps.append(position)

    with pytest.warns(UserWarning, match="batch_size=64"):
        Trainer(mlp([3, 4, 2], seed=0), CrossEntropy(), SGD(0.1), batch_size=64, epochs=2, seed=0,
                callbacks=[Count()]).fit(X, y)
    assert steps == [10, 10]
