"""What the Dask executor installs on its workers (imported only when Dask is used)."""

from __future__ import annotations

import signal
import threading

from distributed import WorkerPlugin


class IgnoreSigint(WorkerPlugin):
    """A terminal's Ctrl-C reaches a local cluster's workers too: the parent decides.

    ``coldchain`` stops a ``local:N`` run on SIGINT by cancelling its tasks and closing
    the cluster (:class:`optimizer.backends.executor.DaskExecutor`); the workers
    themselves ignore it, as the local pool's do, so that none dies with a traceback
    of its own first. Installed on every worker, also on one the nanny restarts.
    """

    idempotent = True

    def setup(self, worker) -> None:
        """Ignore SIGINT in this worker process (the signal module needs the main thread)."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
