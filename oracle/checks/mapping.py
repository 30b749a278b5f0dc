"""The learner's mapping: what the reading cannot decide, written down once.

A mapping says, for a function of the learner's file, which contract function it is and which
input each of its arguments receives, in its own order::

    # deepscratch.toml, beside the file (or: deepscratch check FILE --map FILE)
    relu_backpropagation = "relu_backward(Z, A, dA)"
    loss = "cross_entropy_cost(AL, Y)"       # returns the mean over the examples
    sigmoid_derivative = "sigmoid_backward(A) local"   # the local derivative g', from A
    backprop_linear = "linear_backward(dZ, A_prev, W) -> dW, db, dA_prev"
    plot_costs = "skip"

The same lines can sit in the file itself as comments, ``# deepscratch: loss = "cross_entropy(AL,
Y)"`` (in a notebook, in any code cell). ``local``: the function returns the local derivative
``g'(Z)`` (or ``g'(A)``) alone. ``-> ...``: the order of the arrays it returns. ``skip``: not
checked.
The roles and their inputs are those of ``deepscratch check --roles``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from oracle.checks.loading import Loaded

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the tested Python is 3.11
    import tomli as tomllib
from oracle.checks.roles import ROLES, Binding, Role

#: The mapping file looked for beside the learner's file.
MAPPING_FILE = "deepscratch.toml"
_COMMENT = re.compile(r"^\s*#\s*deepscratch:\s*(.+?)\s*$", re.MULTILINE)
_ENTRY = re.compile(
    r"^\s*(?P<role>\w+)\s*\((?P<args>[^)]*)\)\s*(?P<local>local)?\s*(?:->\s*(?P<out>.+))?$"
)


class MappingError(ValueError):
    """A mapping that cannot be read: the message names the line and what is expected."""


@dataclass(frozen=True)
class Candidate:
    role: Role
    binding: Binding


@dataclass(frozen=True)
class Entry:
    candidate: Candidate | None
    skip: bool = False
    source: str = ""  #: where the entry was written


@dataclass
class Mapped:
    source: str
    entries: dict[str, Entry] = field(default_factory=dict)

    def get(self, name: str) -> Entry | None:
        return self.entries.get(name)


def roles_help() -> str:
    """Every role a mapping may name, with its inputs and outputs."""
    lines = []
    for role in ROLES.values():
        extra = f"; also: {', '.join(role.extras)}" if role.extras else ""
        lines.append(f"  {role.name}({', '.join(role.inputs)}) -> {', '.join(role.outputs)}{extra}")
    return "\n".join(lines)


def parse_entry(name: str, value: str, parameters: list[str], where: str) -> Entry:
    """One mapping entry for the learner's function ``name`` with ``parameters``."""
    if value.strip() == "skip":
        return Entry(None, skip=True)
    match = _ENTRY.match(value)
    if not match:
        raise MappingError(
            f'{where}: {name} = {value!r}: expected "ROLE(ARG, ...)", optionally followed by '
            "'local' and '-> OUTPUT, ...', or \"skip\""
        )
    role = ROLES.get(match["role"])
    if role is None:
        raise MappingError(
            f"{where}: {name}: no role {match['role']!r}; the roles are:\n{roles_help()}"
        )
    args = [a.strip() for a in match["args"].split(",") if a.strip()]
    known = (*role.inputs, *role.extras)
    unknown = [a for a in args if a not in known]
    if unknown:
        raise MappingError(
            f"{where}: {name}: {role.name} has no input {', '.join(unknown)} "
            f"(it has {', '.join(known)})"
        )
    if len(args) > len(parameters):
        raise MappingError(
            f"{where}: {name} takes {len(parameters)} argument(s) ({', '.join(parameters)}), "
            f"the mapping gives {len(args)}"
        )
    order = None
    if match["out"]:
        order = tuple(o.strip() for o in match["out"].split(","))
        if sorted(order) != sorted(role.outputs):
            raise MappingError(
                f"{where}: {name}: {role.name} returns {', '.join(role.outputs)}; "
                f"'-> {match['out']}' must name each once"
            )
    binding = Binding(tuple(zip(parameters, args, strict=False)), order, bool(match["local"]))
    return Entry(Candidate(role, binding))


def _texts(loaded: Loaded, text: str | None) -> list[tuple[str, str]]:
    """(where, TOML text) of each mapping: ``--map``'s, the file beside, comments in the file."""
    found = []
    if text is not None:
        found.append(("--map", text))
    beside = loaded.path.resolve().parent / MAPPING_FILE
    if text is None and beside.is_file():
        found.append((str(beside), beside.read_text(encoding="utf-8")))
    source = _source_text(loaded.path)
    comments = "\n".join(_COMMENT.findall(source))
    if comments:
        found.append((f"comments in {loaded.path.name}", comments))
    return found


def _source_text(path: Path) -> str:
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    import nbformat

    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "code")


def read_mapping(loaded: Loaded, text: str | None = None) -> Mapped | None:
    """The learner's mapping (``text`` is ``--map``'s content), or ``None`` when there is none."""
    import inspect

    texts = _texts(loaded, text)
    if not texts:
        return None
    mapped = Mapped(", ".join(w for w, _ in texts))
    for where, body in texts:
        try:
            table = tomllib.loads(body)
        except tomllib.TOMLDecodeError as error:
            raise MappingError(f"{where}: not a mapping ({error})") from error
        table = table.get("tool", {}).get("deepscratch", table.get("deepscratch", table))
        for name, value in table.items():
            f = loaded.module.__dict__.get(name)
            if not callable(f):
                raise MappingError(f"{where}: {name}: your file defines no function {name}")
            if not isinstance(value, str):
                raise MappingError(f'{where}: {name}: the value must be a string, like "skip"')
            parameters = list(inspect.signature(f).parameters)
            mapped.entries[name] = replace(
                parse_entry(name, value, parameters, where), source=where
            )
    return mapped
