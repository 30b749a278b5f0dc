"""Loading a learner's file (``oracle.checks.loading``): notebooks read as written, only their
definitions run, helper modules beside the file import, and a file that cannot be loaded gets one
clear error that names what was raised, the file and the line."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from oracle.checks.loading import LoadError, load, on_path
from oracle.checks.reading import read

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def notebook(path: Path, *cells: str) -> Path:
    nb = new_notebook(cells=[new_markdown_cell("# mine"), *(new_code_cell(c) for c in cells)])
    nbformat.write(nb, path)
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_notebook_runs_its_definitions_and_lists_what_it_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    marker = Path("trained")
    path = notebook(
        tmp_path / "nn.ipynb",
        "%matplotlib inline\nimport numpy as np\n!pip install nothing\nLEARNING_RATE = 0.1",
        "def relu(Z):\n    return np.maximum(0, Z)",
        "relu_alias = relu\nlayers = [784, 100, 10]",
        f"for i in range(3):\n    open({str(marker)!r}, 'w').write('ran')",
        f"open({str(marker)!r}, 'w').write('ran')\nmain(trial=False)",
        "%%time\nx = 1",
        "if __name__ == '__main__':\n    main()",
    )
    loaded = load(path)
    assert loaded.module.relu(-1.0) == 0.0
    assert loaded.module.relu_alias is loaded.module.relu
    assert loaded.module.LEARNING_RATE == 0.1
    assert loaded.module.layers == [784, 100, 10]
    assert not marker.exists(), "a loop or a call of the notebook was run"
    omitted = [str(o) for o in loaded.omitted]
    assert omitted == [
        "cell 2, line 1: %matplotlib inline (an IPython magic)",
        "cell 2, line 3: !pip install nothing (a shell command)",
        "cell 5, line 1: for i in range(3): (a loop)",
        f"cell 6, line 1: open({str(marker)!r}, 'w').write('ran') (a call)",
        "cell 6, line 2: main(trial=False) (a call)",
        "cell 7, line 1: %%time (a cell magic)",
        "cell 8, line 1: if __name__ == '__main__': (the __main__ block)",
    ]
    assert loaded.defined_at["relu"] == "cell 3, line 1"


def test_a_py_file_runs_as_it_is_unless_only_its_definitions_are_asked_for(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "trains.py",
        """
        import numpy as np

        def sigmoid(Z):
            return 1 / (1 + np.exp(-Z))

        weights = np.ones(3) * 2
        """,
    )
    assert load(path).module.weights.sum() == 6.0
    loaded = load(path, definitions_only=True)
    assert not hasattr(loaded.module, "weights")
    assert [o.why for o in loaded.omitted] == ["an assignment computed by a call"]
    assert loaded.left_out_names == {"weights": "line 7"}


def test_the_files_folder_is_on_the_import_path_for_its_helpers(tmp_path: Path) -> None:
    write(tmp_path / "my_helpers.py", "def double(x):\n    return 2 * x\n")
    path = notebook(tmp_path / "nn.ipynb", "from my_helpers import double\nimport my_helpers")
    with on_path(tmp_path):
        loaded = load(path)
        assert loaded.module.double(2) == 4
    assert loaded.helpers == ["my_helpers"]
    assert str(tmp_path) not in sys.path


@pytest.mark.parametrize(
    ("source", "said", "line"),
    [
        ("def f(:\n    pass\n", "SyntaxError", "line 1"),
        ("import numpy as np\nfrom no_such_helper import f\n", "ModuleNotFoundError", "line 2"),
        ("x = 1\nraise RuntimeError('the data folder is missing')\n", "RuntimeError", "line 2"),
        ("import sys\nsys.exit(3)\n", "it called sys.exit(3) while loading", "line 2"),
    ],
)
def test_a_file_that_cannot_be_loaded_gets_one_error_with_its_line(
    tmp_path: Path, source: str, said: str, line: str
) -> None:
    path = write(tmp_path / "broken.py", source)
    with pytest.raises(LoadError) as raised:
        load(path)
    message = str(raised.value)
    assert said in message and f"{path}, {line}" in message, message


def test_a_missing_helper_module_says_how_to_get_it(tmp_path: Path) -> None:
    path = write(tmp_path / "nn.py", "from dnn_utils import sigmoid\n")
    with pytest.raises(LoadError, match=r"put dnn_utils\.py beside your file"):
        load(path)


def test_a_notebook_s_import_of_a_module_not_here_is_left_out_and_its_names_told(
    tmp_path: Path,
) -> None:
    """Course notebooks import what ships beside them (h5py, testCases, dnn_utils): without it,
    the rest is checked, and a function that needs an import left out says which."""
    path = notebook(
        tmp_path / "nn.ipynb",
        "import numpy as np\nimport h5py\nfrom dnn_utils import sigmoid as sig, relu\n"
        "from testCases import *",
        "def relu_backward(dA, Z):\n    return dA * (Z > 0)",
        "def layer(A_prev, W, b):\n    return relu(W @ A_prev + b)",
        "def cost_of(AL, Y):\n    return compute_cost_test_case(AL, Y)",
    )
    loaded = load(path)
    left_out = {o.code: o.why for o in loaded.omitted}
    assert left_out["import h5py"] == "no module 'h5py' here"
    assert left_out["from testCases import *"] == "no module 'testCases' here"
    assert loaded.missing == {
        "h5py": "h5py",
        "sig": "dnn_utils",
        "relu": "dnn_utils",
        "*": "testCases",
    }
    assert "relu_backward" in loaded.defined_at and "np" in vars(loaded.module)
    with on_path(tmp_path):
        rows = {r.name: r for r in read(loaded).rows}
    assert rows["layer"].reason.startswith("needs `relu` from dnn_utils, which is not here: put ")
    assert "`compute_cost_test_case` from testCases" in rows["cost_of"].reason
    assert rows["relu_backward"].checked


def test_a_module_of_the_file_s_folder_that_fails_to_import_is_an_error(tmp_path: Path) -> None:
    """Beside the notebook, the helper exists: its own failure is the learner's to see."""
    write(tmp_path / "nn_helpers.py", "import no_such_module\n")
    path = notebook(tmp_path / "nn.ipynb", "from nn_helpers import sigmoid")
    with on_path(tmp_path), pytest.raises(LoadError, match="no_such_module"):
        load(path)


def test_a_file_that_runs_forever_at_import_is_stopped_and_told_how_to_read_it(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "forever.py", "while True:\n    pass\n")
    with pytest.raises(LoadError) as raised:
        load(path, seconds=0.5)
    message = str(raised.value)
    assert "did not finish within 0.5 s" in message and "--definitions-only" in message, message
    assert f"{path}, line 2" in message or f"{path}, line 1" in message, message


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("nn.txt", "x = 1", "not a Python file or a notebook"),
        ("nn.ipynb", "{ not json", "not a readable Jupyter notebook"),
    ],
)
def test_a_file_that_is_not_python_is_refused(
    tmp_path: Path, name: str, content: str, said: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LoadError, match=said):
        load(path)
    with pytest.raises(LoadError, match="no such file"):
        load(tmp_path / "missing.py")


def test_the_story_style_example_loads_without_training(tmp_path: Path) -> None:
    folder = EXAMPLES / "story_style"
    with on_path(folder):
        loaded = load(folder / "story_nn.ipynb")
    assert callable(loaded.module.relu_backpropagation)
    assert "nn_helpers" in loaded.helpers
    assert any("model(X_train" in o.code for o in loaded.omitted)
