"""The step plan: penalties sorted by how they act, located by offsets in the packed vector."""

import numpy as np
import pytest

from ridgeback import L1, L2, SGD, CrossEntropy, GroupL1, MaxNorm, Trainer, mlp
from ridgeback.engine.parameters import pack_parameters
from ridgeback.engine.step_plan import StepPlan


def _network():
    # weights laid out first: w0 4x5 at 0:20, w1 5x3 at 20:35, w2 3x2 at 35:41, then the biases
    net = mlp([4, 5, 3, 2], seed=0, dtype=np.float64)
    w0, w1, w2 = (d.weight for d in net.dense_layers)
    return net, w0, w1, w2


def test_the_plan_sorts_penalties_by_how_they_act():
    net, w0, _, _ = _network()
    group, l2 = GroupL1(0.1, proximal=False), L2(0.01)
    w0.regularizer = group
    plan = StepPlan(net, CrossEntropy(), pack_parameters(net.parameters()), regularizer=l2)
    assert plan.elementwise == [(l2, 20, 41)]  # w1 and w2 side by side: one stretch
    assert plan.penalty_gradient.l2 == ((20, 41, 0.02),)
    assert not plan.needs_step_size and not plan.has_after_step

    net, w0, w1, w2 = _network()
    w2.regularizer = L1(0.01)  # proximal
    plan = StepPlan(net, CrossEntropy(), pack_parameters(net.parameters()), regularizer=l2,
                    constraint=MaxNorm(2.0))
    assert plan.elementwise == [(l2, 0, 35)]
    assert plan.needs_step_size and plan.has_after_step


def test_forward_backward_adds_the_coupled_penalty_gradient_after_backpropagation():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 2, 8)
    net, w0, _, _ = _network()
    loss = CrossEntropy()
    loss.forward(net.forward(X, training=True), y)  # no dropout in this network
    net.backward(loss.backward(), input_grad=False)
    expected = w0.grad.copy() + GroupL1(0.1).gradient(w0.data)
    w0.regularizer = GroupL1(0.1, proximal=False)
    plan = StepPlan(net, loss, pack_parameters(net.parameters()))
    value, hits = plan.forward_backward(X, y)
    np.testing.assert_allclose(w0.grad, expected, rtol=1e-12)
    assert value == pytest.approx(loss.forward(net.forward(X), y))
    assert hits == int(np.sum(loss.predict(net.forward(X)) == y))


def test_forward_backward_makes_no_backward_pass_when_the_loss_is_not_finite():
    net, w0, _, _ = _network()
    plan = StepPlan(net, CrossEntropy(), pack_parameters(net.parameters()))
    plan.flat.grad[...] = 7.0
    X = np.full((3, 4), np.nan)
    value, _ = plan.forward_backward(X, np.array([0, 1, 0]))
    assert not np.isfinite(value)
    np.testing.assert_array_equal(plan.flat.grad, 7.0)


def test_after_step_thresholds_each_stretch_with_its_own_step_sizes():
    net, _, _, w2 = _network()
    w2.regularizer = L1(1.0)
    plan = StepPlan(net, CrossEntropy(), pack_parameters(net.parameters()))
    before = plan.flat.data.copy()
    w2.data[...] = 1.0
    step_size = np.linspace(0.0, 1.0, plan.flat.size)
    plan.after_step(step_size)
    np.testing.assert_allclose(w2.data.ravel(), 1.0 - step_size[35:41])
    np.testing.assert_array_equal(plan.flat.data[:35], before[:35])  # no penalty there: untouched


def test_the_plans_penalty_is_the_trainers():
    net, w0, _, _ = _network()
    w0.regularizer = GroupL1(0.3)
    trainer = Trainer(net, CrossEntropy(), SGD(0.1), regularizer=L2(0.2))
    plan = StepPlan(net, CrossEntropy(), trainer.pack(), regularizer=L2(0.2))
    expected = GroupL1(0.3).penalty(w0.data) + sum(L2(0.2).penalty(d.weight.data)
                                                    for d in net.dense_layers[1:])
    assert plan.penalty() == pytest.approx(expected) and trainer.penalty() == plan.penalty()
