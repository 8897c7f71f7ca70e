"""The report sections "Who is in the data" and "Overfitting by group"."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

import fairaudit
from fairaudit.report import (
    Document,
    generalization_section,
    render_document,
    representation_section,
)

HOSTILE = "<script>alert(1)</script>"


def _rep(with_labels=True):
    rng = np.random.default_rng(0)
    g = rng.choice(np.array(["young", "middle", HOSTILE], dtype=object), 600, p=[0.6, 0.3, 0.1])
    y = (rng.random(600) < 0.4).astype(int) if with_labels else None
    ref = {"young": 0.4, "middle": 0.4, HOSTILE: 0.2}
    return fairaudit.representation(g, reference=ref, y_true=y)


def _gap():
    rng = np.random.default_rng(1)
    g = np.r_[np.zeros(500, int), np.ones(60, int)]
    X = np.c_[rng.normal(size=(560, 4)), g]
    y = (X[:, 0] + rng.normal(size=560) > 0).astype(int)
    names = np.where(g == 1, HOSTILE, "large")
    tree = DecisionTreeClassifier(random_state=0).fit(X[::2], y[::2])
    return fairaudit.generalization_gap(
        tree,
        X[::2],
        y[::2],
        X[1::2],
        y[1::2],
        sensitive_features_train=names[::2],
        sensitive_features_test=names[1::2],
    )


def test_representation_section_renders_and_escapes(tmp_path):
    rep = _rep()
    section = representation_section(rep)
    assert section.heading == "Who is in the data" and len(section.tables) == 2
    html = Document("Data", [section]).render(tmp_path / "out.html")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<svg" in html and (tmp_path / "out.html").exists()
    text = " ".join(section.paragraphs)
    # the under-represented group is named with its ratio
    ratio = rep.groups.loc[HOSTILE, "ratio"]
    assert f"{ratio:.2f} times its population share" in text
    assert "chi-square test" in text and "Labels:" in text


def test_representation_without_reference_says_so():
    rep = fairaudit.representation(np.array(["a", "b", "b"], dtype=object))
    text = " ".join(representation_section(rep).paragraphs)
    assert "No reference population" in text


def test_generalization_section_renders_and_escapes():
    gap = _gap()
    section = generalization_section(gap)
    html = render_document("Generalisation", [section])
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    text = " ".join(section.paragraphs)
    assert "Largest accuracy gap" in text and "excludes 0" in text
    table = section.tables[0].frame
    assert table.index.names == ["metric", "group"]
    assert table["n_train"].dtype.kind == "i"


def test_sections_refuse_other_objects():
    with pytest.raises(TypeError, match="Representation"):
        representation_section({"share": 1})
    with pytest.raises(TypeError, match="GeneralizationGap"):
        generalization_section(_rep())
