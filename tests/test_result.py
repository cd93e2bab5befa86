"""TuneResult (ridgeback.selection.result): candidate rows ranked, both answers found."""

from ridgeback.selection.result import TuneResult


def test_tune_result_from_pooled_rows_ranks_them_and_finds_both_answers():
    rows = [{"params": {"l2": 0.0}, "mean_score": 0.90, "std_score": 0.02},
            {"params": {"l2": 0.1}, "mean_score": float("nan"), "std_score": float("nan")},
            {"params": {"l2": 0.1}, "mean_score": 0.92, "std_score": 0.02},
            {"params": {"l2": 1.0}, "mean_score": 0.91, "std_score": 0.02}]
    pooled = TuneResult.from_results(rows, n_folds=4)
    assert pooled.results_ is rows and [r["rank"] for r in rows] == [3, 4, 1, 2]
    assert (pooled.best_index_, pooled.one_se_index_, pooled.refit_index_) == (2, 3, 2)
    assert pooled.one_se_params_ == {"l2": 1.0} and pooled.best_estimator_ is None and pooled.refit == "none"
