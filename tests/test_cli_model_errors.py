"""An exception raised inside the user's own model during ``fairaudit audit --model`` is an
error in the model (exit 2, one line naming the file and the exception; ``--debug`` shows
the traceback), not a bug in fairaudit (exit 3). Run through the installed script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SCRIPT = shutil.which("fairaudit", path=str(Path(sys.executable).parent))

MODULE = textwrap.dedent('''
    import numpy as np
    from sklearn.base import BaseEstimator, ClassifierMixin


    class Exploding(ClassifierMixin, BaseEstimator):
        """A fitted classifier whose predict fails (as a model with a bug does)."""

        def __init__(self, where="predict"):
            self.where = where

        def fit(self, X, y):
            self.classes_ = np.unique(y)
            self.n_features_in_ = np.asarray(X).shape[1]
            return self

        def predict(self, X):
            if self.where == "predict":
                return self._divide(X)
            return np.zeros(len(X), dtype=int)

        def _divide(self, X):
            raise ZeroDivisionError("weights of feature 'age' sum to 0")
''')


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("model_errors")
    (d / "exploding_model.py").write_text(MODULE, encoding="utf-8")
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {"age": rng.normal(40, 10, n), "sex": rng.choice(["f", "m"], n), "y": rng.integers(0, 2, n)}
    )
    frame.to_csv(d / "test.csv", index=False)
    code = (
        "import sys, joblib, pandas as pd; sys.path.insert(0, sys.argv[1]); "
        "from exploding_model import Exploding; "
        "d = pd.read_csv(sys.argv[1] + '/test.csv'); "
        "joblib.dump(Exploding().fit(d[['age']], d['y']), sys.argv[1] + '/model.pkl')"
    )
    subprocess.run([sys.executable, "-c", code, str(d)], check=True, timeout=120)
    return d


def run(d, *extra):
    if SCRIPT is None:
        pytest.fail(f"the fairaudit script is not installed next to {sys.executable}")
    paths = [str(d), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    args = [
        "audit",
        str(d / "test.csv"),
        "--target",
        "y",
        "--sensitive",
        "sex",
        "--model",
        str(d / "model.pkl"),
        "--trust-model",
        "--features",
        "age",
        "--n-bootstrap",
        "0",
        *extra,
    ]
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=180, env=env)


def test_an_error_in_the_model_is_exit_2_naming_the_file_and_the_exception(files):
    proc = run(files)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("fairaudit audit: error: argument --model: ")
    assert str(files / "model.pkl") in line
    assert "ZeroDivisionError in predict(): weights of feature 'age' sum to 0" in line
    assert "bug in fairaudit" not in line and "--debug" in line


def test_debug_shows_the_models_traceback(files):
    proc = run(files, "--debug")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" in proc.stderr
    assert "exploding_model.py" in proc.stderr and "_divide" in proc.stderr
    assert proc.stderr.rstrip().splitlines()[-1].startswith("fairaudit audit: error: ")
