"""The parts of the mutation run (``ci/mutation.py``, ``[tool.deepscratch.mutation.*]`` in
``pyproject.toml``): a module split across parts by the mutants' names must have each of its
functions in exactly one part, or its mutants would go untested (or be run twice)."""

from __future__ import annotations

import ast
import fnmatch
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "ci"))
import mutation  # noqa: E402

#: mutmut's separator between a class and its method's name (U+01C1).
SEPARATOR = "\u01c1"


def mutant_names(module: str) -> list[str]:
    """The name mutmut gives the first mutant of each function and method of ``module``
    (``scratch/network.py`` -> ``scratch.network.x_forward_all__mutmut_1``)."""
    tree = ast.parse((ROOT / module).read_text("utf-8"))
    dotted = module.removesuffix(".py").replace("/", ".")
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.append(f"{dotted}.x_{node.name}__mutmut_1")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.append(
                        f"{dotted}.x{SEPARATOR}{node.name}{SEPARATOR}{item.name}__mutmut_1"
                    )
    return names


def split_modules() -> dict[str, list[tuple[str, list[str]]]]:
    """Each module that parts share by name patterns: its parts and their patterns."""
    shared: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for part, table in mutation.parts().items():
        if "mutants" in table:
            for module in table["only_mutate"]:
                shared[module].append((part, table["mutants"]))
    return dict(shared)


@pytest.mark.parametrize("module", sorted(split_modules()))
def test_every_function_of_a_split_module_is_in_exactly_one_part(module: str) -> None:
    parts = split_modules()[module]
    names = mutant_names(module)
    assert names, module
    for name in names:
        owners = [p for p, patterns in parts if any(fnmatch.fnmatch(name, q) for q in patterns)]
        assert len(owners) == 1, f"{name} is in the parts {owners} (exactly one is needed)"


def test_a_split_module_is_not_also_mutated_whole() -> None:
    """A part without ``mutants`` patterns runs every mutant of its modules: a split module in
    it would be run twice."""
    split = set(split_modules())
    for part, table in mutation.parts().items():
        if "mutants" not in table:
            assert not split & set(table["only_mutate"]), part


def test_the_name_of_a_method_is_mutmuts() -> None:
    """The names built here are those mutmut gives (``ci/mutation.py``'s pattern of a mutant)."""
    for name in mutant_names("scratch/optimizers.py") + mutant_names("scratch/network.py"):
        assert mutation.MUTANT.fullmatch(name), name
