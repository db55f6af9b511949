"""No function in the package is over 120 lines (its docstring included): the code is read in
screens, and a longer function is more than one concept."""

import ast
from pathlib import Path

import deltaprop

PACKAGE = Path(deltaprop.__file__).parent
LIMIT = 120


def test_no_function_is_over_120_lines():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > LIMIT:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({length})")
    assert not long, "functions over 120 lines: " + ", ".join(long)
