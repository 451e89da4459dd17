"""Modules loaded at their first use, not when the app starts.

The spreadsheet, Word and PDF libraries (openpyxl, python-docx, WeasyPrint with Pango)
add ~90 MiB and ~1 s to a worker that only serves quiz steps. The views that need them
import the service modules built on them through `lazy_import`: the name is bound at
start, the module (and its library) is executed on the first attribute read."""
from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_import(name: str) -> ModuleType:
    """The module `name`, executed on first attribute access (importlib's LazyLoader)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # `import a.b` binds b on a; so does this, for monkeypatch and friends
        setattr(sys.modules[parent], child, module)
    return module
