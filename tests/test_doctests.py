"""The examples in the modules' docstrings run as tests (they document the Python API)."""

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("nianbao", "nianbao.parsers", "nianbao.archive", "nianbao.crawler")
MODULES = sorted({m.name for pkg in PACKAGES
                  for m in pkgutil.walk_packages(importlib.import_module(pkg).__path__, pkg + ".")
                  if not m.name.endswith("__main__")})


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
