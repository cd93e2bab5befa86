r"""Regularizers (penalties in the cost or proximal steps) and constraints (projections).

Semantics, written down once
----------------------------
* A regularizer applies to **weights**, never to biases, unless a layer asks
  (``Dense(..., regularize_bias=True)``).
* Strengths are **not** divided by the batch or data size: the training cost is
  ``mean data loss over the batch + penalty(weights)``.
* A *smooth* regularizer (:class:`L2`, or :class:`L1` with ``proximal=False``) adds
  ``gradient(w)`` to each weight's gradient before the optimizer step.
* A *proximal* regularizer (:class:`L1`, :class:`ElasticNet`, :class:`GroupL1`, all
  ``proximal=True`` by default) is left out of the gradient; after each optimizer step
  the weights are replaced by the proximal operator
  :math:`\operatorname{prox}_{t\lambda R}(w) = \arg\min_u \tfrac12\|u-w\|^2 + t\lambda R(u)`
  with step ``t`` the optimizer's step size for that coordinate
  (:meth:`ridgeback.engine.optimizers.Optimizer.step_size`). For L1 this is soft-thresholding,
  which sets weights *exactly* to zero.

  Why ``t`` is per coordinate under Adam/RMSprop: those optimizers take the step
  :math:`-t_i \hat m_i` with :math:`t_i = \mathrm{lr}/(\sqrt{\hat v_i}+\epsilon)`.
  Thresholding with the same :math:`t_i\lambda` is the proximal gradient method in the
  metric Adam uses, so its fixed points satisfy :math:`0 \in \nabla L + \lambda\,\partial\|w\|_1`:
  the stationary points of *loss + λ‖w‖₁*. λ therefore keeps the meaning it has under SGD,
  whereas a plain ``lr·λ`` threshold would weigh the penalty against a rescaled gradient.
* A *constraint* (:class:`MaxNorm`) projects the weights after each step.

``penalty(w)`` and ``gradient(w)`` always return the value and (sub)gradient of the
penalty, whatever the mode, so that :func:`ridgeback.check_gradients` and parity tests
see the same cost.

Where they live
---------------
This module is their public home and their registry: :data:`REGISTRY` maps each snake_case
name to its class, and :func:`get`, :func:`serialize` and :func:`deserialize` build, save and
rebuild them by that name (the command line, saved models, a layer's config). The classes are
defined in :mod:`~ridgeback.engine.penalties` (the :class:`Regularizer` interface, :class:`L1`,
:class:`L2`, :class:`ElasticNet`, :class:`Sum`), :mod:`~ridgeback.engine.group_l1`
(:class:`GroupL1`) and :mod:`~ridgeback.engine.constraints` (:class:`Constraint`,
:class:`MaxNorm`).
"""

from __future__ import annotations

from .constraints import Constraint, MaxNorm
from .group_l1 import GroupL1
from .penalties import L1, L2, ElasticNet, Regularizer, Sum

__all__ = [
    "Regularizer",
    "L1",
    "L2",
    "ElasticNet",
    "GroupL1",
    "Sum",
    "Constraint",
    "MaxNorm",
    "REGISTRY",
    "get",
    "serialize",
    "deserialize",
]

REGISTRY = {
    "l1": L1,
    "l2": L2,
    "elastic_net": ElasticNet,
    "group_l1": GroupL1,
    "sum": Sum,
    "max_norm": MaxNorm,
}
_NAMES = {cls: name for name, cls in REGISTRY.items()}


def serialize(obj) -> dict:
    """A plain, JSON-ready dict ``{"name": ..., "config": {...}}`` that :func:`deserialize` rebuilds."""
    return {"name": _NAMES[type(obj)], "config": obj.get_config()}


def deserialize(spec: dict):
    """Rebuild a regularizer or constraint from :func:`serialize`'s output."""
    if not isinstance(spec, dict) or spec.get("name") not in REGISTRY:
        raise ValueError(
            f"Unknown regularizer spec; expected a name among {sorted(REGISTRY)}. Received: spec={spec!r}"
        )
    return REGISTRY[spec["name"]].from_config(spec.get("config", {}))


def get(name: str, *args, **kwargs):
    """Build a regularizer or constraint from its snake_case name: ``get("l1", 1e-4)``."""
    key = str(name).lower().replace("-", "_")
    if key not in REGISTRY:
        raise ValueError(f"Unknown regularizer; expected one of {sorted(REGISTRY)}. Received: name={name!r}")
    return REGISTRY[key](*args, **kwargs)
