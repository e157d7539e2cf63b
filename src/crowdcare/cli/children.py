"""`crowdcare serve`'s worker children: `crowdcare worker` processes beside the web process,
with its settings, restarted when one dies, stopped with the server (and, on Linux, killed
by the kernel if the server itself is killed: no orphan keeps claiming deliveries).

So a busy web process (ingest, consoles) and the workers run on separate cores, each with
its own interpreter lock, instead of sharing one."""
from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

log = logging.getLogger("crowdcare.serve")
RESTART_MAX_SECONDS = 30.0


def die_with_parent() -> None:   # runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass   # not Linux: the child outlives a SIGKILLed server until stopped


class Children:
    def __init__(self, count: int) -> None:
        self.count = count
        self.procs: list[subprocess.Popen | None] = [None] * count
        self.started = [0.0] * count
        self.stopping = threading.Event()
        self.tmp = tempfile.mkdtemp(prefix="crowdcare-serve-")

    def environment(self) -> dict[str, str]:
        """What the web process and its children share: a local bus unless a NATS one is
        set, and one folder for the metrics of every process (so /metrics sums them)."""
        env = {}
        if not os.environ.get("CROWDCARE_BUS_URL"):
            env["CROWDCARE_BUS_URL"] = f"unix://{os.path.join(self.tmp, 'bus.sock')}"
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.mkdir(os.path.join(self.tmp, "metrics"))
            env["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(self.tmp, "metrics")
        return env

    def _spawn(self, i: int) -> None:
        # children are woken by notes through the web process's relay (pipeline/wake.py)
        env = {**os.environ, "CROWDCARE_RUN_WORKERS": "false"}
        self.started[i] = time.monotonic()
        self.procs[i] = subprocess.Popen([sys.executable, "-m", "crowdcare", "worker"], env=env,
                                         preexec_fn=die_with_parent)

    def start(self) -> None:
        for i in range(self.count):
            self._spawn(i)
        threading.Thread(target=self._watch, name="crowdcare-children", daemon=True).start()

    def _watch(self) -> None:
        backoff = [0.25] * self.count
        while not self.stopping.wait(0.5):
            for i, proc in enumerate(self.procs):
                if proc is None or proc.poll() is None or self.stopping.is_set():
                    continue
                # one that keeps dying at once is restarted ever more slowly
                lived = time.monotonic() - self.started[i]
                backoff[i] = min(RESTART_MAX_SECONDS, backoff[i] * 2) if lived < 5 else 0.5
                log.warning("worker %d (pid %d) exited with %s: restarting in %.1f s", i,
                            proc.pid, proc.returncode, backoff[i])
                if self.stopping.wait(backoff[i]):
                    return
                self._spawn(i)

    def stop(self) -> None:
        self.stopping.set()
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            if proc is not None:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)
