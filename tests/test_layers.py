"""The package's layers point one way (README, Design): every import of a practicalnn module goes to its
own layer or a lower one, and no module imports, directly or through others, a module that imports it.

The walk reads every ``import`` and ``from ... import`` in the source (function-level ones included:
an import deferred for speed is still a dependency), so it checks the code as written, not one run.
"""

import ast
import pathlib
from collections import defaultdict

import pytest

import practicalnn

ROOT = pathlib.Path(practicalnn.__file__).parent

#: Lowest first. A module may import from its own layer and the layers before it.
LAYERS = [
    ["errors", "_version", "validation"],
    ["core"],
    ["data"],
    ["fast"],
    ["training"],
    ["regularization"],
    ["diagnostics"],
    ["experiments"],
    ["io"],
    ["report"],
    ["playground"],  # a face, below bench only because the benchmark measures it (W4)
    ["bench"],
    ["notebook", "estimators"],
    ["cli", "__main__"],
    ["__init__"],  # the package root: the public names, imported on first use
]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """The practicalnn modules ``path`` imports (a ``from pkg import name`` counts as pkg.name when
    that is a module, else as pkg)."""
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("practicalnn"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("practicalnn"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return found - {module}


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}
GRAPH = {m: _imports(p) for m, p in MODULES.items()}


def _layer(module):
    parts = module.split(".")
    if len(parts) == 1:
        return RANK["__init__"]
    if parts[1] not in RANK:
        raise AssertionError(f"{module} is in no layer: add its folder to LAYERS and to the README's Design")
    return RANK[parts[1]]


def test_every_module_is_in_a_layer():
    for module in MODULES:
        _layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    upward = [t for t in sorted(GRAPH[module]) if _layer(t) > _layer(module)]
    assert not upward, f"{module} (layer {_layer(module)}) imports from higher layers: {upward}"


def test_no_import_cycles():
    # Tarjan's strongly connected components over module-level edges; the package root and the
    # package __init__ files that only re-export are part of the graph like any other module.
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in MODULES:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(MODULES):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_packages_do_not_import_each_other_both_ways():
    edges = defaultdict(set)
    for module, targets in GRAPH.items():
        for t in targets:
            a, b = module.split(".")[:2], t.split(".")[:2]
            if a != b:
                edges[".".join(a)].add(".".join(b))
    both = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())})
    assert not both, f"packages importing each other: {both}"
