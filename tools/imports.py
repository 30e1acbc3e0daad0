"""Import hygiene of a package: function-local imports and import cycles, read with ``ast``.

Two rules (issue 17): no import cycle, and no function-local import without a comment saying
why it is local (start-up time, an optional dependency...). A comment counts when it is on a
line of the import statement, or on the line just above a run of consecutive imports.

Cycles are looked for among the imports that run when a module is imported (module level,
outside ``if TYPE_CHECKING:``). ``from pkg import name`` depends on ``pkg/__init__`` (it reads
the package's namespace) and on ``pkg.name`` when that is a module; ``import a.b`` and
``from a.b import name`` depend on ``a.b`` only, since a parent package's ``__init__`` is
always already importing when one of its modules is. Cycles that go through function-local
imports are listed too: they are allowed at run time but show a layering inversion.

Usage: python tools/imports.py [PACKAGE_DIR]   (default: rtr_audio; exit 1 when a rule fails)
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

Edge = tuple[str, str]


@dataclass
class LocalImport:
    """An import statement inside a function body."""

    module: str  # the importing module
    line: int
    commented: bool


@dataclass
class Report:
    """What :func:`scan` found in one package."""

    local: list[LocalImport] = field(default_factory=list)
    top_edges: set[Edge] = field(default_factory=set)  # imports run at import time
    local_edges: set[Edge] = field(default_factory=set)  # function-local imports

    @property
    def uncommented(self) -> list[LocalImport]:
        return [imp for imp in self.local if not imp.commented]

    def cycles(self, with_local: bool = False) -> list[list[str]]:
        edges = self.top_edges | (self.local_edges if with_local else set())
        return strongly_connected(edges)


def module_name(path: Path, root: Path) -> str:
    """``rtr_audio/cli/build.py`` → ``rtr_audio.cli.build``; a package is its ``__init__``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _comment_lines(source: str) -> set[int]:
    """Lines that carry a ``#`` comment (tokenize, so a ``#`` inside a string is not one)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {tok.start[0] for tok in tokens if tok.type == tokenize.COMMENT}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Visitor(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, modules: set[str],
                 comments: set[int], lines: list[str]):
        self.module, self.is_package, self.modules = module, is_package, modules
        self.comments, self.lines = comments, lines
        self.depth = 0  # functions we are inside
        self.local: list[LocalImport] = []
        self.top: set[str] = set()
        self.in_functions: set[str] = set()

    def _targets(self, node: ast.Import | ast.ImportFrom) -> set[str]:
        if isinstance(node, ast.Import):
            return {alias.name for alias in node.names}
        base = node.module or ""
        if node.level:  # relative: from the package (or its parents)
            package = self.module.split(".")
            keep = len(package) - node.level + (1 if self.is_package else 0)
            base = ".".join(package[:keep] + ([base] if base else []))
        found = {base}
        found |= {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in self.modules}
        return found

    def _commented(self, node: ast.stmt) -> bool:
        end = node.end_lineno or node.lineno
        if any(line in self.comments for line in range(node.lineno, end + 1)):
            return True
        above = node.lineno - 1  # climb over the imports of the same run
        while above >= 1 and self.lines[above - 1].lstrip().startswith(("import ", "from ")):
            above -= 1
        return above in self.comments and self.lines[above - 1].lstrip().startswith("#")

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        targets = {t for t in self._targets(node) if t in self.modules and t != self.module}
        if self.depth:
            self.local.append(LocalImport(self.module, node.lineno, self._commented(node)))
            self.in_functions |= targets
        else:
            self.top |= targets

    visit_Import = _import
    visit_ImportFrom = _import

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node) and not self.depth:
            for child in node.orelse:  # only the else branch runs
                self.visit(child)
            return
        self.generic_visit(node)


def scan(root: Path) -> Report:
    """Read every ``*.py`` under the package folder ``root``."""
    files = sorted(root.rglob("*.py"))
    modules = {module_name(path, root) for path in files}
    report = Report()
    for path in files:
        source = path.read_text(encoding="utf-8")
        module = module_name(path, root)
        visitor = _Visitor(module, path.name == "__init__.py", modules,
                           _comment_lines(source), source.split("\n"))
        visitor.visit(ast.parse(source, str(path)))
        report.local += visitor.local
        report.top_edges |= {(module, target) for target in visitor.top}
        report.local_edges |= {(module, target) for target in visitor.in_functions}
    return report


def strongly_connected(edges: set[Edge]) -> list[list[str]]:
    """The cycles of a graph: its strongly connected components of more than one module
    (Tarjan's algorithm, iterative so deep packages do not hit the recursion limit)."""
    graph: dict[str, list[str]] = {}
    for source, target in sorted(edges):
        graph.setdefault(source, []).append(target)
        graph.setdefault(target, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(graph[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(found)


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else "rtr_audio").resolve()
    report = scan(root)
    cycles, lazy_cycles = report.cycles(), report.cycles(with_local=True)
    print(f"function-local imports: {len(report.local)} "
          f"({len(report.local) - len(report.uncommented)} with a comment, "
          f"{len(report.uncommented)} without)")
    for imp in report.uncommented:
        print(f"  {imp.module}:{imp.line}: function-local import without a comment saying why")
    print(f"import cycles: {len(cycles)} (at import time); {len(lazy_cycles)} counting "
          "function-local imports")
    for cycle in lazy_cycles:
        print(f"  {'cycle' if cycle in cycles else 'cycle through a local import'}: "
              + " ↔ ".join(cycle))
    return 1 if cycles or report.uncommented else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
