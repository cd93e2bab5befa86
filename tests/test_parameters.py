"""Packed parameters: one contiguous vector that keeps each parameter's offsets."""

import numpy as np
import pytest

from ridgeback import SGD, CrossEntropy, Parameter, Trainer, mlp
from ridgeback.engine.parameters import FlatParameters, pack_parameters


def _params():
    w1 = Parameter(np.arange(6, dtype=np.float32).reshape(2, 3), "weight")
    b1 = Parameter(np.array([10, 11, 12], dtype=np.float32), "bias", regularize=False)
    w2 = Parameter(np.array([[20.0], [21.0], [22.0]], dtype=np.float32), "weight")
    return w1, b1, w2


def test_packing_lays_out_weights_then_biases_and_records_the_offsets():
    w1, b1, w2 = _params()
    flat = pack_parameters([w1, b1, w2])
    assert isinstance(flat, FlatParameters)
    assert flat.members == [w1, w2, b1]
    assert flat.offsets == [(0, 6), (6, 9), (9, 12)]
    assert flat.offset(b1) == (9, 12) and flat.slice(w2) == slice(6, 9)
    np.testing.assert_array_equal(flat.data, [0, 1, 2, 3, 4, 5, 20, 21, 22, 10, 11, 12])
    np.testing.assert_array_equal(flat.data[flat.slice(w1)].reshape(2, 3), w1.data)


def test_members_are_views_of_the_vector_and_its_gradient():
    w1, b1, w2 = _params()
    flat = pack_parameters([w1, b1, w2])
    flat.data[flat.slice(w2)] = -1.0
    flat.grad[flat.slice(b1)] = 5.0
    np.testing.assert_array_equal(w2.data, [[-1.0], [-1.0], [-1.0]])
    np.testing.assert_array_equal(b1.grad, [5.0, 5.0, 5.0])
    assert w1.data.base is flat.data and w1.grad.base is flat.grad


def test_packing_into_given_storage_copies_the_values_and_zeroes_the_gradient():
    w1, b1, w2 = _params()
    expected = pack_parameters(_params()).data.copy()
    data, grad = np.full(20, -7.0, dtype=np.float32), np.full(20, 3.0, dtype=np.float32)
    flat = pack_parameters([w1, b1, w2], data[4:16], grad[4:16])
    np.testing.assert_array_equal(data[4:16], expected)
    np.testing.assert_array_equal(grad[4:16], 0.0)
    assert data[0] == -7.0 and grad[16] == 3.0  # outside the stretch: untouched
    assert np.shares_memory(w2.data, data) and flat.offsets == [(0, 6), (6, 9), (9, 12)]


@pytest.mark.parametrize("data, grad, message", [
    (np.zeros(11, np.float32), np.zeros(12, np.float32), r"`data` must be a 1-D float32 array .* size 12"),
    (np.zeros(12, np.float64), np.zeros(12, np.float32),
     r"Received: data=array of shape \(12,\) and dtype float64"),
    (np.zeros(12, np.float32), None, r"Received: grad=None"),
])
def test_packing_into_wrong_storage_raises(data, grad, message):
    with pytest.raises(ValueError, match=message):
        pack_parameters(list(_params()), data, grad)


def test_offset_of_a_parameter_that_is_not_packed_raises():
    flat = pack_parameters(list(_params()))
    with pytest.raises(ValueError, match=r"`p` must be a packed parameter of this vector"):
        flat.offset(Parameter(np.zeros(3, dtype=np.float32)))


def test_holds_tells_whether_a_packing_is_still_current():
    w1, b1, w2 = _params()
    flat = pack_parameters([w1, b1, w2])
    assert flat.holds([w1, b1, w2]) and flat.holds([b1, w1, w2])  # the same layout
    assert not flat.holds([w2, b1, w1])  # the weights in another order: another layout
    assert not flat.holds([w1, b1])


def test_the_trainer_packs_once_and_again_when_the_network_changes():
    net = mlp([3, 4, 2], seed=0)
    trainer = Trainer(net, CrossEntropy(), SGD(0.1))
    flat = trainer.pack()
    assert trainer.pack() is flat
    assert flat.members == [p for p in net.parameters() if p.regularize] + \
        [p for p in net.parameters() if not p.regularize]
    net.layers[-1] = type(net.layers[-1])(4, 2, seed=1)  # a new output layer: new parameters
    again = trainer.pack()
    assert again is not flat and again.holds(net.parameters())
