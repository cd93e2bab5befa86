"""Learning-rate schedules: formulas, torch.optim.lr_scheduler parity, registry and configs."""

import math

import numpy as np
import pytest

from ridgeback.engine.schedules import (
    SCHEDULES,
    Constant,
    Cosine,
    MultiCycle,
    OneCycle,
    Schedule,
    get_schedule,
)


def torch_factors(make_scheduler, total):
    """The learning rates torch's scheduler gives for steps 0..total-1, base lr 1."""
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = make_scheduler(opt)
    rates = []
    for _ in range(total):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(rates)


@pytest.mark.parametrize("total, min_factor", [(10, 0.0), (97, 0.0), (50, 0.1)])
def test_cosine_without_warmup_matches_cosine_annealing_lr(total, min_factor):
    torch = pytest.importorskip("torch")
    ref = torch_factors(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=total, eta_min=min_factor), total)
    np.testing.assert_allclose(Cosine(min_factor=min_factor).factors(total), ref, rtol=1e-12, atol=1e-14)


def test_cosine_with_warmup_matches_lambda_lr_with_the_documented_formula():
    torch = pytest.importorskip("torch")
    total, w = 40, 8

    def formula(t):
        return (t + 1) / w if t < w else 0.5 * (1 + math.cos(math.pi * (t - w) / (total - w)))

    ref = torch_factors(lambda o: torch.optim.lr_scheduler.LambdaLR(o, formula), total)
    ours = Cosine(warmup=0.2).factors(total)
    np.testing.assert_allclose(ours, ref, rtol=1e-13, atol=0)
    assert ours[w - 1] == 1.0 and ours[0] == 1 / w


@pytest.mark.parametrize("total, pct_start", [(100, 0.3), (37, 0.3), (1000, 0.25), (20, 0.5)])
def test_onecycle_matches_torch_onecycle_lr(total, pct_start):
    torch = pytest.importorskip("torch")
    ref = torch_factors(lambda o: torch.optim.lr_scheduler.OneCycleLR(
        o, max_lr=1.0, total_steps=total, pct_start=pct_start, cycle_momentum=False), total)
    np.testing.assert_allclose(OneCycle(pct_start=pct_start).factors(total), ref, rtol=1e-12, atol=1e-16)


def test_onecycle_matches_torch_with_other_divisors():
    torch = pytest.importorskip("torch")
    ref = torch_factors(lambda o: torch.optim.lr_scheduler.OneCycleLR(
        o, max_lr=1.0, total_steps=60, div_factor=10.0, final_div_factor=100.0, cycle_momentum=False), 60)
    np.testing.assert_allclose(OneCycle(div_factor=10.0, final_div_factor=100.0).factors(60), ref, rtol=1e-12)


def test_onecycle_refuses_runs_too_short_for_its_phases():
    with pytest.raises(ValueError, match="Received: total_steps=2"):
        OneCycle()(0, 2)


def test_multicycle_is_pytabkits_coslog4():
    total = 300
    t = np.arange(total) / total
    coslog4 = 0.5 * (1 - np.cos(2 * np.pi * np.log2(1 + 15 * t)))
    np.testing.assert_allclose(MultiCycle().factors(total), coslog4, rtol=1e-14, atol=1e-15)
    # four cycles, each twice as long as the last: zeros at 1/15, 3/15, 7/15 of the run
    f = MultiCycle().factors(1500)
    assert [f[100], f[300], f[700]] == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)
    assert f.max() == pytest.approx(1.0, abs=1e-4)


def test_constant_is_one_everywhere():
    np.testing.assert_array_equal(Constant().factors(7), np.ones(7))


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_registry_names_and_config_round_trip(name):
    schedule = get_schedule(name)
    assert isinstance(schedule, SCHEDULES[name])
    again = type(schedule).from_config(schedule.get_config())
    assert again == schedule and repr(again) == repr(schedule)
    assert 0.0 <= schedule(0, 50) <= 1.0
    assert get_schedule(schedule) is schedule


def test_unknown_names_and_bad_steps_are_value_errors():
    with pytest.raises(ValueError, match="Received: lr_schedule='cosine_warm'"):
        get_schedule("cosine_warm")
    with pytest.raises(ValueError, match="Received: lr_schedule=3"):
        get_schedule(3)
    with pytest.raises(ValueError, match="Received: step=10"):
        Cosine()(10, 10)
    with pytest.raises(ValueError, match="Received: step=-1"):
        Cosine()(-1, 10)
    with pytest.raises(ValueError, match="Received: total_steps=0"):
        Constant()(0, 0)
    with pytest.raises(ValueError, match="Received: warmup=1.0"):
        Cosine(warmup=1.0)
    with pytest.raises(ValueError, match="Received: n_cycles=0"):
        MultiCycle(n_cycles=0)


def test_a_schedule_is_a_pure_function_of_step_and_total():
    s = MultiCycle(n_cycles=3)
    assert s(17, 90) == s(17, 90) == s.factors(90)[17]
    assert isinstance(s, Schedule)
