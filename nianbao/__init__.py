"""nianbao: an archive of China's 政府信息公开工作年度报告.

The command line, configuration and demo portal live here; the layers below are
``nianbao.crawler`` → ``nianbao.archive`` → ``nianbao.parsers`` (folders ``crawler/``,
``archive/``, ``parsers/`` in the repository), each importing only those below it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nianbao")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0"
