"""Imports point down the layers of DESIGN.md: base < engine < model < training < interfaces."""

import ast
import sys
from pathlib import Path

import deltaprop

PACKAGE = Path(deltaprop.__file__).parent

LAYERS = {
    "deltaprop.errors": 0,
    "deltaprop._checks": 0,
    "deltaprop._files": 0,
    "deltaprop._registry": 0,
    "deltaprop._text": 0,
    "deltaprop._version": 0,
    "deltaprop.datasets": 0,
    "deltaprop.metrics": 0,
    "deltaprop.comm": 0,
    "deltaprop.kernels": 0,
    "deltaprop.engine": 1,
    "deltaprop.nn": 2,
    "deltaprop.losses": 2,
    "deltaprop.optim": 2,
    "deltaprop.training": 3,
    "deltaprop.tabular": 3,
    "deltaprop.io": 4,
    "deltaprop.explanation": 4,
    "deltaprop.export": 4,
    "deltaprop.network": 4,
    "deltaprop.cli": 4,
    "deltaprop.plots": 4,
    "deltaprop.playground": 4,
    "deltaprop.sklearn": 4,
    "deltaprop.__main__": 4,
    "deltaprop.__init__": 5,
}


def layer_of(module: str) -> int:
    if module == "deltaprop":
        return LAYERS["deltaprop.__init__"]
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return LAYERS[key]
    raise AssertionError(f"module {module} is not assigned a layer in tests/test_layering.py")


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 2:
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path: Path, name: str):
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # "from . import nn" imports the module deltaprop.nn
                dotted = f"{target}.{alias.name}"
                yield dotted if _is_module(dotted) else target


def _is_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_every_import_points_down_or_sideways():
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        own = layer_of(name)
        for target in imported_modules(path, name):
            if not target.startswith("deltaprop"):
                continue
            if layer_of(target) > own:
                violations.append(
                    f"{name} (layer {own}) imports {target} (layer {layer_of(target)})"
                )
    assert not violations, "\n".join(violations)


def test_engine_imports_numpy_only():
    allowed = {"numpy"} | set(sys.stdlib_module_names)
    for path in (PACKAGE / "engine").rglob("*.py"):
        for target in imported_modules(path, module_name(path)):
            root = target.split(".")[0]
            assert root in allowed or target.startswith("deltaprop"), (
                f"{path.name} imports {target}"
            )


def test_public_api_is_listed_once():
    for name in deltaprop.__all__:
        assert hasattr(deltaprop, name), name
    required = {"Tensor", "Sequential", "Dense", "SGD", "gradcheck", "no_grad", "losses"}
    assert required <= set(deltaprop.__all__)
