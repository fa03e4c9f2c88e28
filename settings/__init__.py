"""The default settings that ship inside the package (``nianbao.settings``).

Copy this folder to ``./settings`` (or point ``--settings`` / ``NIANBAO_SETTINGS`` at a copy)
and edit it: ``nianbao config`` shows which files are in effect.
"""
