"""Models and solvers, one subpackage per job.

``design`` (hub location and sizing), ``routing`` (collection runs), ``consolidation``
(coalition costs and allocations), ``facility`` (the CFLP solver for benchmarks),
``bench`` (the library behind ``coldchain bench``), ``backends`` (every solver import)
and ``cli`` (the ``coldchain`` command, one module per command). docs/architecture.md
maps each command to its subpackage and result type.
"""
