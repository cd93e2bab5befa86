"""The search's figures: the axes they put the tuned hyper-parameters on."""

import pytest

from ridgeback.report import search_plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_strengths_are_drawn_on_a_log_axis_symlog_when_zero_is_searched(monkeypatch):
    figures = []
    monkeypatch.setattr(search_plots, "_png", lambda fig: figures.append(fig) or PNG_MAGIC)
    results = [{"params": {"mlp__l2": l2, "l1": l1, "dropout": d}, "mean_score": 0.9 - l2, "std_score": 0.01}
               for l2 in (0.0, 1e-5, 1e-3, 1e-1) for l1 in (1e-4, 1e-2) for d in (0.0, 0.5)]
    search_plots.hyperparameter_figure(results, ["mlp__l2", "l1", "dropout"], "accuracy",
                                       log_params=("l1", "l2"))
    axes = figures[0].axes
    assert [ax.get_xscale() for ax in axes] == ["symlog", "log", "linear"]
    assert axes[0].xaxis.get_transform().linthresh == pytest.approx(1e-5)  # linear only below the smallest
    assert "log scale" in axes[0].get_xlabel() and "log scale" not in axes[2].get_xlabel()
