"""House rules that can be checked on the tree itself (docs/quality.md, the common brief):
no function or method longer than 60 lines, anywhere in the Python the repository
tracks (cdso/, bench/, tests/, scripts/, migrations/, wsgi.py)."""
from __future__ import annotations

import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 60
SKIPPED = {".venv", "node_modules", "artifacts", ".git"}


def python_files() -> list[Path]:
    """The .py files git tracks (and untracked ones it does not ignore); without git,
    every .py file outside the virtualenv, node_modules and test artifacts."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                                 "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
        return [ROOT / name for name in listed.stdout.splitlines() if (ROOT / name).exists()]
    except (OSError, subprocess.CalledProcessError):
        return [path for path in ROOT.rglob("*.py")
                if not SKIPPED & set(path.relative_to(ROOT).parts)]


def long_functions(path: Path, limit: int = MAX_LINES, root: Path = ROOT) -> list[str]:
    """`path:line name (n lines)` for each function over `limit` lines, from its `def`
    line to its last line (decorators not counted, nested functions inside their own)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [f"{path.relative_to(root)}:{node.lineno} {node.name} "
            f"({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > limit]


def test_the_checker_counts_from_def_to_the_last_line(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(59))
    source = tmp_path / "sample.py"
    source.write_text(f"@decorated\ndef fits():\n{body}\n\n\ndef too_long():\n{body}\n    x = 0\n")
    assert long_functions(source, root=tmp_path) == ["sample.py:64 too_long (61 lines)"]


def test_no_function_is_longer_than_sixty_lines():
    files = python_files()
    assert ROOT / "tests" / "test_house.py" in files and ROOT / "migrations" / "env.py" in files
    too_long = [entry for path in files for entry in long_functions(path)]
    assert too_long == [], "split these functions (house rule: ≤ 60 lines):\n" + \
        "\n".join(too_long)
