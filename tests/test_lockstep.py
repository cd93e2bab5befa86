"""Lockstep training: several trainers in one loop give exactly what their own fits give."""

import numpy as np
import pytest

from ridgeback import (
    L1,
    L2,
    SGD,
    Adam,
    CrossEntropy,
    EarlyStopping,
    GroupL1,
    MaxNorm,
    MeanSquaredError,
    RMSprop,
    Trainer,
    TrainingDiverged,
    mlp,
)
from ridgeback.engine.lockstep import fit_in_lockstep, lockstep_problem


def _data(n=150, d=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 1).astype(int)
    return X, np.minimum(y, classes - 1)


# members differ in everything lockstep allows: penalty, proximal or not, dropout, widths,
# activation, constraint
MEMBERS = [
    dict(sizes=[6, 16, 3], regularizer=L2(1e-3)),
    dict(sizes=[6, 16, 3], regularizer=L2(1e-1)),
    dict(sizes=[6, 8, 8, 3], regularizer=L1(1e-3), dropout=0.3),
    dict(sizes=[6, 12, 3], regularizer=GroupL1(1e-2), activation="tanh"),
    dict(sizes=[6, 16, 3], regularizer=None, dropout=0.5, constraint=MaxNorm(0.5)),
]


def _trainers(optimizer=lambda: Adam(1e-2), early_stopping=False, seed=3, epochs=6, members=MEMBERS):
    out = []
    for k, m in enumerate(members):
        net = mlp(m["sizes"], m.get("activation", "relu"), dropout=m.get("dropout", 0.0), seed=k)
        stopper = EarlyStopping(patience=1, min_delta=1e-3) if early_stopping else None
        out.append(Trainer(net, CrossEntropy(), optimizer(), regularizer=m["regularizer"], batch_size=16,
                           epochs=epochs, seed=seed, constraint=m.get("constraint"), early_stopping=stopper))
    return out


def _assert_same(alone, together):
    for a, b in zip(alone, together, strict=True):
        for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True):
            assert p.data.tobytes() == q.data.tobytes()
        assert a.history.to_dict() == b.history.to_dict()
        sa, sb = a.optimizer.state_arrays([a._flat]), b.optimizer.state_arrays([b._flat])
        assert sorted(sa) == sorted(sb)
        for key in sa:
            np.testing.assert_array_equal(sa[key], sb[key])
        assert a._rng.bit_generator.state == b._rng.bit_generator.state


@pytest.mark.parametrize("optimizer", [lambda: Adam(1e-2), lambda: SGD(0.05, momentum=0.9),
                                       lambda: RMSprop(1e-2, momentum=0.5)],
                         ids=["adam", "sgd_momentum", "rmsprop"])
def test_lockstep_is_bit_identical_to_separate_fits(optimizer):
    X, y = _data()
    alone = _trainers(optimizer)
    for t in alone:
        t.fit(X, y)
    together = _trainers(optimizer)
    histories = fit_in_lockstep(together, X, y)
    assert [h.epochs for h in histories] == [6] * len(MEMBERS)
    _assert_same(alone, together)
    # the members really differ (a bug that trained them all alike could not pass)
    assert len({t.model.parameters()[0].data.tobytes() for t in together}) == len(MEMBERS)


def test_lockstep_with_early_stopping_stops_each_member_where_its_own_fit_stops():
    X, y = _data()
    Xv, yv = _data(60, seed=1)
    alone = _trainers(early_stopping=True, epochs=40)
    for t in alone:
        t.fit(X, y, validation_data=(Xv, yv))
    together = _trainers(early_stopping=True, epochs=40)
    fit_in_lockstep(together, X, y, validation_data=(Xv, yv))
    _assert_same(alone, together)
    stops = [t.history.epochs for t in together]
    assert len(set(stops)) > 1 and min(stops) < 40, stops  # members left the loop at different epochs


def test_lockstep_regression_and_a_single_member():
    X, _ = _data()
    y = X[:, :2] @ np.array([[1.0], [-2.0]], dtype=np.float32)

    def make():
        return [Trainer(mlp([6, 10, 1], seed=k), MeanSquaredError(), Adam(1e-2), regularizer=L2(10.0 ** -k),
                        batch_size=32, epochs=4, seed=0) for k in range(1, 3)]

    alone = make()
    for t in alone:
        t.fit(X, y)
    together = make()
    fit_in_lockstep(together, X, y)
    _assert_same(alone, together)
    one_alone, one_together = make()[:1], make()[:1]
    one_alone[0].fit(X, y)
    fit_in_lockstep(one_together, X, y)
    _assert_same(one_alone, one_together)


def test_lockstep_refuses_what_would_change_results():
    def two(**changes):
        pair = _trainers(members=MEMBERS[:2])
        for name, value in changes.items():
            setattr(pair[1], name, value)
        return pair

    assert lockstep_problem(two()) is None
    assert "seed" in lockstep_problem(two(seed=4))
    assert "no seed" in lockstep_problem(two(seed=None))
    assert "epochs" in lockstep_problem(two(epochs=7))
    assert "optimizer" in lockstep_problem(two(optimizer=Adam(1e-3)))
    assert "callbacks" in lockstep_problem(two(callbacks=[object()]))
    pair = two()
    pair[1].model = pair[0].model
    assert "network" in lockstep_problem(pair)
    pair = two()
    pair[1].optimizer = pair[0].optimizer
    assert "one optimizer" in lockstep_problem(pair)
    X, y = _data()
    with pytest.raises(ValueError, match=r"cannot be trained in lockstep: trainer 1 differs in seed.*"
                                         r"Received: 2 trainer\(s\)"):
        fit_in_lockstep(two(seed=4), X, y)
    used = _trainers(members=MEMBERS[:2])
    used[1].fit(X, y)  # its optimizer now has state
    assert "state" in lockstep_problem(used)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow itself
def test_lockstep_raises_when_a_member_diverges():
    X, y = _data()
    pair = _trainers(members=MEMBERS[:2])
    for layer in pair[1].model.dense_layers:
        layer.weight.data[...] = 1e30  # non-finite logits on the first step
    with pytest.raises(TrainingDiverged):
        fit_in_lockstep(pair, X, y)


def test_a_batch_larger_than_the_data_warns_at_the_caller_in_fit_and_in_lockstep():
    X, y = _data(10)
    for train in (lambda ts: ts[0].fit(X, y), lambda ts: fit_in_lockstep(ts, X, y)):
        trainers = _trainers(members=MEMBERS[:2], epochs=1)  # batch_size 16 > 10 rows
        with pytest.warns(UserWarning, match=r"batch_size=16 is larger than the 10 training rows") as record:
            train(trainers)
        assert record[0].filename == __file__
