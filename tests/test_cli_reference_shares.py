"""``fairaudit audit --reference-shares``: the representation audit from the command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairaudit
from fairaudit.cli import main


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("shares")
    rng = np.random.default_rng(3)
    n = 600
    race = rng.choice(["A", "B", "C"], n, p=[0.7, 0.2, 0.1])
    sex = rng.choice(["F", "M"], n)
    y = (rng.random(n) < 0.4).astype(int)
    pred = (rng.random(n) < 0.5).astype(int)
    pd.DataFrame({"race": race, "sex": sex, "y": y, "pred": pred}).to_csv(
        d / "data.csv", index=False
    )
    (d / "shares.csv").write_text("race,share\nA,0.5\nB,0.3\nC,0.2\n")
    (d / "no_share.csv").write_text("race,pct\nA,0.5\nB,0.5\n")
    (d / "wrong_column.csv").write_text("age,share\nold,1.0\n")
    (d / "missing_group.csv").write_text("race,share\nA,0.6\nB,0.4\n")
    return d


def _audit(d, *extra):
    argv = [
        "audit",
        d / "data.csv",
        "--target",
        "y",
        "--prediction",
        "pred",
        "--sensitive",
        "race",
        "--sensitive",
        "sex",
        "--n-bootstrap",
        "0",
        *extra,
    ]
    return main([str(a) for a in argv])


def test_report_has_the_section_with_the_library_numbers(folder, capsys):
    out = folder / "report.html"
    code = _audit(folder, "--reference-shares", folder / "shares.csv", "--out", out)
    capsys.readouterr()
    assert code == 0
    html = out.read_text()
    assert "Who is in the data" in html
    data = pd.read_csv(folder / "data.csv")
    rep = fairaudit.representation(
        data["race"].astype(str), reference={"A": 0.5, "B": 0.3, "C": 0.2}, y_true=data["y"]
    )
    assert f"{rep.groups.loc['A', 'ratio']:.2f} times its population share" in html


@pytest.mark.parametrize(
    "name, message",
    [
        ("no_share.csv", "needs a 'share' column"),
        ("wrong_column.csv", "column 'age' of"),
        ("missing_group.csv", "occur in the data but not in reference"),
        ("absent.csv", "does not exist"),
    ],
)
def test_bad_shares_files_are_one_line_errors(folder, capsys, name, message):
    code = _audit(folder, "--reference-shares", folder / name, "--out", folder / "x.html")
    _, err = capsys.readouterr()
    assert code == 2 and message in err and "Traceback" not in err


def test_needs_an_html_report(folder, capsys):
    code = _audit(folder, "--reference-shares", folder / "shares.csv")
    _, err = capsys.readouterr()
    assert code == 2 and "--out" in err
