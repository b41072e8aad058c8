"""``python -m optimizer.cli``: the ``coldchain`` command."""

from optimizer.cli.main import main

main()
