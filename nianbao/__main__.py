"""``python -m nianbao`` is the ``nianbao`` command."""

from .cli import main

main()
