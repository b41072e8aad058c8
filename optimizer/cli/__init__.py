"""The ``coldchain`` command line: one module per command, named after it.

:mod:`optimizer.cli.main` builds the parser and maps errors to exit codes;
:mod:`optimizer.cli.console` (a leaf) holds the exit codes and the console; each command
module (``solve``, ``evaluate``, ``route``, ...) exposes ``register(subparsers)`` and only
parses arguments, calls the library and writes what it returns through ``results``.
"""
