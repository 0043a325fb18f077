"""Imports flow one way (README, "Architecture"), read from the source: no app imports one above it,
the kernel imports no app, and no module imports a module that imports it (function-level imports too).

Nothing is imported here: the modules are parsed, so a violation is caught even in code no test runs.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lower layers first. A module may import its own package and any package of a lower layer.
LAYERS = {
    "crm": 0,  # the kernel: settings, env, roles, weeks, cache, middleware, Celery app, errors
    "campaigns": 1,
    "leads": 2,
    "handoffs": 3,
    "alignment": 4,  # the weekly numbers and everything that shows or sends them
    "integrations": 5,  # outbound webhooks, audit and data rights: they listen to every app
    "privacy": 5,  # a person's data: export and erasure across every app
    "demo": 6,  # the demo data writes through every app's services
    "bench": 7,
    "tests": 7,
}


def project_packages():
    return sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and not p.name.startswith("."))


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules():
    """Return {module name: path} of every Python module of the project's packages."""
    modules = {}
    for package in project_packages():
        for path in (ROOT / package).rglob("*.py"):
            modules[module_name(path)] = path
    return modules


def imported_modules(path, name, modules):
    """Return the project modules that the file imports, anywhere in it (top level or inside functions)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from a import b` imports a.b when b is a module, else a name of a.
            candidates = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for candidate in candidates:
            # The longest prefix that is a project module: `a.b.c` where only `a.b` is a file.
            parts = candidate.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts and ".".join(parts) != name:
                found.add(".".join(parts))
    return found


@pytest.fixture(scope="module")
def graph():
    modules = source_modules()
    return {name: imported_modules(path, name, modules) for name, path in modules.items()}


def test_every_project_package_has_a_layer():
    assert set(project_packages()) <= set(LAYERS), "add the new package to LAYERS (README, Architecture)"


def is_test(module):
    return "tests" in module.split(".")


def test_no_module_imports_a_package_above_its_own(graph):
    """Shipped code only: a test may build its world with any app's factories (a campaign's leads, say)."""
    against = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if not is_test(module)
        for target in targets
        if LAYERS[target.split(".")[0]] > LAYERS[module.split(".")[0]]
    )
    assert against == []


def test_the_kernel_imports_no_app(graph):
    kernel = {m: targets for m, targets in graph.items() if m.split(".")[0] == "crm" and not is_test(m)}
    assert kernel, "the kernel's modules were found"
    assert sorted(f"{m} imports {t}" for m, targets in kernel.items() for t in targets if not t.startswith("crm")) == []


def test_no_module_imports_one_that_imports_it(graph):
    """No cycle of any length: Tarjan's strongly connected components are all single modules."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_checker_sees_a_wrong_way_import_and_a_cycle(tmp_path):
    """The rules above would fail on a violation: the same reading applied to a made-up tree."""
    modules = {"campaigns.models": None, "leads.models": None, "leads.tasks": None, "leads.services": None}
    services = tmp_path / "services.py"
    services.write_text("def f():\n    from leads import tasks\n")
    tasks = tmp_path / "tasks.py"
    tasks.write_text("from leads.services import f\n")
    models = tmp_path / "models.py"
    models.write_text("from leads.models import Lead\n")
    assert imported_modules(services, "leads.services", modules) == {"leads.tasks"}
    assert imported_modules(tasks, "leads.tasks", modules) == {"leads.services"}
    assert imported_modules(models, "campaigns.models", modules) == {"leads.models"}
    assert LAYERS["leads"] > LAYERS["campaigns"]


# A module past this many lines holds several things a reader looks for in different places:
# split it (a package of modules, as leads/services/ and alignment/metrics/ are).
MAX_MODULE_LINES = 550
APPS = ("crm", "campaigns", "leads", "handoffs", "alignment", "integrations", "privacy", "demo")


def test_no_application_module_grows_past_a_readable_size():
    too_long = {}
    for name, path in source_modules().items():
        parts = name.split(".")
        if parts[0] not in APPS or "tests" in parts or "migrations" in parts:
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            too_long[name] = lines
    assert too_long == {}, f"split these modules (over {MAX_MODULE_LINES} lines): {too_long}"


# Their cache.clear() runs in a subprocess against a redis-server the test started for itself.
CLEARS_A_PRIVATE_REDIS = {"tests.reliability.test_cache_apart_from_broker"}


def test_no_test_flushes_the_shared_cache_database():
    """cache.clear() is a FLUSHDB: under xdist it empties the other process's rate-limit counters
    (a password-reset throttle test then sent every e-mail). Tests call conftest.clear_cache(),
    which deletes this process's keys only; a subprocess on a private Redis may still clear its own."""
    offenders = sorted(
        name
        for name, path in source_modules().items()
        if is_test(name)
        and name not in CLEARS_A_PRIVATE_REDIS
        and re.search(r"^\s*cache\.clear\(\)", path.read_text(), re.M)
    )
    assert offenders == []
