"""Benchmark: FeatureRepairer against fairlearn's CorrelationRemover and scikit-learn's
QuantileTransformer on the same data.

``--rows`` rows, 10 numeric features, 3 groups. The linear method is timed against
fairlearn's ``CorrelationRemover`` (the group indicators as its sensitive columns; the
outputs are checked equal); the quantile method against scikit-learn's
``QuantileTransformer`` fitted on all rows, which does the same kind of work (quantiles of
each column, interpolation of each value) for one group, with no repair: a floor for a
per-group quantile method. Prints the times and their ratios.

    python bench/bench_repair.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
from _timing import best_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from fairlearn.preprocessing import CorrelationRemover
    from sklearn.preprocessing import QuantileTransformer

    from fairaudit.mitigation import FeatureRepairer

    rng = np.random.default_rng(0)
    n = args.rows
    s = rng.choice(3, n, p=[0.6, 0.3, 0.1])
    X = rng.normal(size=(n, 10)) * (1 + 0.5 * s[:, None]) + s[:, None]
    onehot = (s[:, None] == np.arange(3)).astype(float)
    both = np.hstack([X, onehot])

    def ours_linear():
        return FeatureRepairer(method="linear").fit_transform(X, sensitive_features=s)

    def fairlearn_linear():
        cr = CorrelationRemover(sensitive_feature_ids=[10, 11, 12])
        return cr.fit(both).transform(both)

    def ours_quantile():
        return FeatureRepairer(random_state=0).fit_transform(X, sensitive_features=s)

    def sklearn_quantile():
        return QuantileTransformer(n_quantiles=1000, subsample=None).fit_transform(X)

    np.testing.assert_allclose(ours_linear(), fairlearn_linear(), atol=1e-9)
    t_ol = best_of(ours_linear, args.repeat)
    t_fl = best_of(fairlearn_linear, args.repeat)
    t_oq = best_of(ours_quantile, args.repeat)
    t_sq = best_of(sklearn_quantile, args.repeat)
    print(f"{platform.processor() or platform.machine()}, {n:,} rows x 10 features, 3 groups")
    print(
        f"linear:   FeatureRepairer {t_ol:.3f} s, CorrelationRemover {t_fl:.3f} s, "
        f"speed-up {t_fl / t_ol:.1f}x"
    )
    print(
        f"quantile: FeatureRepairer {t_oq:.3f} s, QuantileTransformer (one group, no "
        f"repair) {t_sq:.3f} s, ratio {t_oq / t_sq:.2f}x"
    )


if __name__ == "__main__":
    main()
