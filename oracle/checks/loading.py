"""Loading a learner's file: a ``.py`` module or a Jupyter notebook, as the learner wrote it.

A ``.py`` file is imported as it is, unless ``definitions_only`` is asked for. A notebook is read
with ``nbformat``: its code cells in order, IPython's magics and shell escapes turned into Python by
IPython's own input transformer and then left out, and only its definitions run (imports,
functions, classes, assignments of constants): a call such as ``main(trial=False)`` or a training
loop is not executed. Every statement left out is listed (``Loaded.omitted``), so the run can say
what it did not run.

The file's own folder is put first on ``sys.path`` for as long as the check runs, so its helper
modules (``import dnn_utils``) import. A file that cannot be loaded raises ``LoadError`` with one
message: what was raised, and the file and line.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from oracle.checks.limits import Guard, TimeLimitExceeded, time_limit

#: Seconds a file may take to load (its definitions, or the whole module run as it is).
LOAD_SECONDS = 60.0


class LoadError(Exception):
    """The learner's file cannot be loaded; the message says why, where, and what to do."""


@dataclass(frozen=True)
class Chunk:
    """A piece of source compiled on its own: a notebook cell, or a whole ``.py`` file."""

    label: str  #: "cell 3" in a notebook, "" for a .py file
    filename: str  #: what tracebacks show: the path, with the cell for a notebook
    source: str  #: Python source (IPython syntax already transformed)
    original: str  #: the source as the learner wrote it


@dataclass(frozen=True)
class Omitted:
    """A statement the definitions-only reading did not run."""

    where: str  #: "cell 4, line 2" or "line 10"
    code: str  #: its first line, as written
    why: str  #: "a call", "a loop", "an IPython magic", ...

    def __str__(self) -> str:
        return f"{self.where}: {self.code} ({self.why})"


@dataclass
class Loaded:
    """The learner's module and how it was read."""

    path: Path
    module: ModuleType
    omitted: list[Omitted] = field(default_factory=list)
    #: For each top-level name the file defines: where ("cell 3, line 1" or "line 12").
    defined_at: dict[str, str] = field(default_factory=dict)
    #: The modules imported from the file's own folder.
    helpers: list[str] = field(default_factory=list)
    #: For each top-level name assigned by a statement that was left out: where.
    left_out_names: dict[str, str] = field(default_factory=dict)
    #: For each name a left-out import would have bound (its module is not here): the module;
    #: ``"*"`` maps to the modules of left-out ``from ... import *``.
    missing: dict[str, str] = field(default_factory=dict)
    #: What loading it changed of NumPy's and torch's state (and the load put back).
    changes: set[str] = field(default_factory=set)

    @property
    def notebook(self) -> bool:
        return self.path.suffix == ".ipynb"


# --- Reading the source --------------------------------------------------------------------------


def _chunks(path: Path) -> list[Chunk]:
    if path.suffix != ".ipynb":
        text = path.read_text(encoding="utf-8")
        return [Chunk("", str(path), text, text)]
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    except Exception as error:  # nbformat raises several kinds for a damaged notebook
        raise LoadError(f"{path}: not a readable Jupyter notebook ({error})") from error
    transform = TransformerManager().transform_cell  # type: ignore[no-untyped-call]
    chunks = []
    for n, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        chunks.append(Chunk(f"cell {n}", f"{path} (cell {n})", transform(cell.source), cell.source))
    return chunks


def _where(chunk: Chunk, line: int) -> str:
    return f"{chunk.label}, line {line}" if chunk.label else f"line {line}"


def _first_line(chunk: Chunk, node: ast.stmt) -> str:
    lines = chunk.original.splitlines()
    text = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
    return text if len(text) <= 60 else text[:57] + "..."


# --- Which statements are definitions -----------------------------------------------------------


def _is_ipython(node: ast.AST) -> bool:
    """A statement IPython's transformer made from a magic (``get_ipython().run_line_magic``)."""
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "get_ipython"
        for n in ast.walk(node)
    )


def _constant(node: ast.expr) -> bool:
    """An expression made of literals, names and attributes (``np.float32``), arithmetic, lambdas
    and containers of those: a constant the learner's functions may read, cheap to evaluate."""
    if isinstance(node, (ast.Constant, ast.Name, ast.Lambda)):
        return True
    if isinstance(node, ast.Attribute):
        return _constant(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_constant(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is None or _constant(k) for k in node.keys) and all(
            _constant(v) for v in node.values
        )
    if isinstance(node, ast.UnaryOp):
        return _constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _constant(node.left) and _constant(node.right)
    return False


def _main_guard(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )


def why_not_definition(node: ast.stmt) -> str | None:
    """``None`` for a definition (kept), else what the statement is (why it is left out)."""
    if _is_ipython(node):
        text = ast.unparse(node)
        if "run_cell_magic" in text:
            return "a cell magic"
        return (
            "a shell command" if "system(" in text or "getoutput(" in text else "an IPython magic"
        )
    if isinstance(
        node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    ):
        return None
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not all(isinstance(t, (ast.Name, ast.Tuple)) for t in targets):
            return "an assignment into an object"
        if node.value is None or _constant(node.value):
            return None
        return "an assignment computed by a call" if _has_call(node.value) else "an assignment"
    if _main_guard(node):
        return "the __main__ block"
    if isinstance(node, (ast.If, ast.Try)):
        inner = [*node.body, *node.orelse]
        if isinstance(node, ast.Try):
            inner += [*node.finalbody, *(s for h in node.handlers for s in h.body)]
        if all(isinstance(s, ast.Pass) or why_not_definition(s) is None for s in inner):
            return None
        return "a conditional block that runs code" if isinstance(node, ast.If) else "a try block"
    if isinstance(node, (ast.For, ast.While, ast.AsyncFor)):
        return "a loop"
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return "a with block"
    if isinstance(node, ast.Expr):
        if isinstance(node.value, ast.Constant):  # a docstring or a bare string
            return None
        return "a call" if _has_call(node.value) else "an expression"
    if isinstance(node, ast.Pass):
        return None
    return "a statement that runs code"


def _has_call(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) for n in ast.walk(node))


def _assigned(node: ast.stmt) -> list[str]:
    """The top-level names a statement binds."""
    names: list[str] = []
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
    for target in targets:
        names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    if isinstance(node, (ast.For, ast.While, ast.If, ast.With, ast.Try)):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                names += _assigned(child)
    return names


# --- Running -------------------------------------------------------------------------------------


@contextlib.contextmanager
def on_path(folder: Path) -> Iterator[None]:
    """``folder`` first on ``sys.path`` (the learner's helper modules import from it)."""
    entry = str(folder)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(entry)


def _raised_where(error: BaseException, path: Path) -> str:
    """The learner's line in the traceback of ``error``: the deepest frame in the file (or in a
    module of its folder)."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{error.filename}, line {error.lineno}: {(error.text or '').strip()}"
    frames = traceback.extract_tb(error.__traceback__)
    folder = str(path.resolve().parent)
    mine = [f for f in frames if f.filename.startswith((str(path), folder))]
    if not mine:
        return ""
    f = mine[-1]
    return f"{f.filename}, line {f.lineno}: {(f.line or '').strip()}"


def _fail(path: Path, error: BaseException, hint: str = "") -> LoadError:
    where = _raised_where(error, path)
    said = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if isinstance(error, SystemExit):
        said = f"it called sys.exit({error.code!r}) while loading"
    if isinstance(error, ModuleNotFoundError) and error.name:
        hint = hint or (
            f"install it ('pip install {error.name}'), or put {error.name}.py beside your file"
        )
    message = f"{path}: cannot be loaded: {said}"
    if where:
        message += f"\n  at {where}"
    if hint:
        message += f"\n  {hint}"
    return LoadError(message)


def _run(chunk: Chunk, tree: ast.Module, module: ModuleType) -> None:
    exec(compile(tree, chunk.filename, "exec"), module.__dict__)


def load(
    path: str | Path, definitions_only: bool | None = None, seconds: float = LOAD_SECONDS
) -> Loaded:
    """Load the learner's file at ``path`` (``.py`` or ``.ipynb``).

    ``definitions_only``: run only the definitions (the default for notebooks); a ``.py`` file is
    otherwise imported as it is. The file's folder stays first on ``sys.path`` (its helpers may be
    imported later, inside functions): ``on_path`` it for the whole run.
    """
    path = Path(path)
    if not path.is_file():
        raise LoadError(f"{path}: no such file")
    if path.suffix not in (".py", ".ipynb"):
        raise LoadError(f"{path}: not a Python file or a notebook (expected .py or .ipynb)")
    if definitions_only is None:
        definitions_only = path.suffix == ".ipynb"
    name = f"learner_{''.join(c if c.isalnum() else '_' for c in path.stem)}"
    module = ModuleType(name)
    module.__file__ = str(path.resolve())
    loaded = Loaded(path, module)
    folder = path.resolve().parent
    _forget_helpers(folder)
    guard = Guard()
    try:
        with time_limit(seconds, f"loading {path}"), guard.protect():
            sys.modules[name] = module
            for chunk in _chunks(path):
                _load_chunk(loaded, chunk, definitions_only)
    except LoadError:
        raise
    except TimeLimitExceeded as error:
        hint = (
            "it trains (or loads data) at import? Check it with --definitions-only, which runs "
            "only its imports, functions, classes and constants"
            if not definitions_only
            else ""
        )
        raise _fail(path, error, hint) from None
    except BaseException as error:  # anything the learner's code raised, SystemExit included
        if isinstance(error, KeyboardInterrupt):
            raise
        raise _fail(path, error) from None
    loaded.helpers = _helpers(module, folder)
    loaded.changes = {f"{change} (at import)" for change in guard.changes}
    return loaded


def _in_folder(module: object, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    return bool(file) and Path(str(file)).resolve().parent == folder


def _forget_helpers(folder: Path) -> None:
    """Drop the imported modules named like a ``.py`` file of ``folder``, unless they come from
    the Python installation: the learner's helpers are imported afresh from this folder, not
    from another learner file's folder of an earlier load."""
    installed = (sys.prefix, sys.base_prefix, sys.exec_prefix)
    for file in folder.glob("*.py"):
        module = sys.modules.get(file.stem)
        where = str(getattr(module, "__file__", "") or "")
        if module is not None and not where.startswith(installed):
            del sys.modules[file.stem]


def _helpers(module: ModuleType, folder: Path) -> list[str]:
    """The modules of the file's folder its namespace uses (imported, or imported from)."""
    found = set()
    for value in vars(module).values():
        if isinstance(value, ModuleType):
            if _in_folder(value, folder):
                found.add(value.__name__)
            continue
        origin = sys.modules.get(getattr(value, "__module__", None) or "")
        if origin is not None and origin is not module and _in_folder(origin, folder):
            found.add(origin.__name__)
    return sorted(found)


def _load_chunk(loaded: Loaded, chunk: Chunk, definitions_only: bool) -> None:
    try:
        tree = ast.parse(chunk.source, chunk.filename)
    except SyntaxError as error:
        raise _fail(loaded.path, error) from None
    if not definitions_only:
        _run(chunk, tree, loaded.module)
        for node in tree.body:
            for target in _defines(node):
                loaded.defined_at.setdefault(target, _where(chunk, node.lineno))
        return
    for node in tree.body:
        why = why_not_definition(node)
        if why is not None:
            loaded.omitted.append(
                Omitted(_where(chunk, node.lineno), _first_line(chunk, node), why)
            )
            for target in _assigned(node):
                loaded.left_out_names.setdefault(target, _where(chunk, node.lineno))
            continue
        try:
            _run(chunk, ast.Module(body=[node], type_ignores=[]), loaded.module)
        except ModuleNotFoundError as error:
            missing = _not_here(error, loaded.path, node)
            if missing is None:
                raise
            loaded.omitted.append(
                Omitted(_where(chunk, node.lineno), _first_line(chunk, node), missing)
            )
            assert isinstance(node, (ast.Import, ast.ImportFrom))  # _not_here said so
            for target, module in _imported(node):
                if target == "*":
                    star = loaded.missing.get("*")
                    loaded.missing["*"] = f"{star}, {module}" if star else module
                else:
                    loaded.missing.setdefault(target, module)
            continue
        for target in _defines(node):
            loaded.defined_at[target] = _where(chunk, node.lineno)
            loaded.left_out_names.pop(target, None)


def _not_here(error: ModuleNotFoundError, path: Path, node: ast.stmt) -> str | None:
    """Why an import of a definitions-only reading that found no module is left out, or ``None``
    (not an import, or the module is the learner's own file: a real error). Notebooks import what
    their course or tutorial ships beside them (``h5py``, ``testCases``, ``public_tests``) and
    what the checks never call; a function that needs the module fails when it is checked, and
    says so."""
    if not isinstance(node, (ast.Import, ast.ImportFrom)) or not error.name:
        return None
    # Only the module the statement imports: one that module imports is its own failure.
    wanted = (
        [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
    )
    if not any(w == error.name or w.startswith(error.name + ".") for w in wanted):
        return None
    top = error.name.split(".")[0]
    folder = path.resolve().parent
    if (folder / f"{top}.py").exists() or (folder / top).is_dir():
        return None
    return f"no module {error.name!r} here"


def _imported(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """The names an import binds, each with its module (``*`` for a star import)."""
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        return [(a.asname or a.name, module) for a in node.names]
    return [(a.asname or a.name.split(".")[0], a.name) for a in node.names]


def _defines(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    return _assigned(node)


def import_module_spec(spec: str) -> ModuleType:
    """An installed module by name (``--impl=my_package.my_nn``)."""
    try:
        found = importlib.util.find_spec(spec)
    except (ImportError, ValueError) as error:
        raise LoadError(f"{spec}: cannot import it ({error})") from error
    if found is None:
        raise LoadError(f"{spec}: no such file or module")
    return importlib.import_module(spec)
