"""A misspelt --fail-on name is a usage error reported before any audit is computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit import cli


@pytest.fixture()
def csv(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "d.csv"
    pd.DataFrame(
        {
            "y": rng.integers(0, 2, 200),
            "p": rng.integers(0, 2, 200),
            "sex": rng.choice(["f", "m"], 200),
        }
    ).to_csv(path, index=False)
    return path


def test_unknown_gate_name_exits_2_without_auditing(csv, monkeypatch, capsys):
    def must_not_run(*args, **kwargs):
        raise AssertionError("the audit ran before the gate was checked")

    monkeypatch.setattr(fairaudit, "audit", must_not_run)
    code = cli.main(
        [
            "audit",
            str(csv),
            "--target",
            "y",
            "--prediction",
            "p",
            "--sensitive",
            "sex",
            "--fail-on",
            "demographic_parity_ration<0.8",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "'demographic_parity_ration' is neither a criterion" in err
    assert "demographic_parity_ratio" in err


@pytest.mark.parametrize(
    "gate",
    ["four_fifths_rule<0.8", "precision<0.5", "verdict", "sex:equalized_odds_difference>0.2"],
)
def test_known_names_still_parse(gate):
    from fairaudit.cli._gates import parse_gate

    assert parse_gate(gate).name in gate
