"""Bounded work: run an engine call in a worker process that a time limit can really stop.

rdflib and owlrl have no timeout and no way to cancel a running query or closure, and a thread
cannot be killed; a process can. The worker is forked (so the loaded graphs are shared copy-on-write,
nothing is pickled on the way in), runs the call in a thread with a deep stack (a long RDF list
walked by ``rdf:rest*`` recurses deeply in rdflib), under a cap on the memory it may add, with
Ctrl-C left to the parent, and sends back the answer or the error. When the time is up, the parent
kills it and raises :class:`~towncase.errors.LimitError`.

:func:`each_forked` shares work out instead: a call per index, over a pool of forked workers that
inherit what the calls read.

Where ``fork`` does not exist (Windows), the call runs in the process itself, without a time limit.

The limits of a query and of reasoning are declared here, with no engine imported, so that the
command line can show their defaults at start-up.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import EngineError, LimitError, TowncaseError

T = TypeVar("T")

#: The stack of the worker's thread and the recursion it allows: rdflib's property paths recurse once
#: per list item, so 100,000 frames walk a list of tens of thousands of items.
STACK_BYTES = 1024 * 2**20
RECURSION_LIMIT = 200_000


@dataclass(frozen=True)
class Limits:
    """Bounds on one engine call.

    Attributes:
        timeout: seconds before the worker is killed.
        max_memory: bytes of memory the worker may add to what the process already uses.
    """

    timeout: float = 60.0
    max_memory: int = 8 * 2**30


@dataclass(frozen=True)
class QueryLimits(Limits):
    """How long a query may run, how much memory it may add, and how many rows (or triples) of its
    answer are kept (the rest are cut, and the answer says so)."""

    timeout: float = 60.0
    max_rows: int = 100_000


@dataclass(frozen=True)
class ReasonLimits:
    """When a closure is stopped: after ``timeout`` seconds, or when the graph (asserted and inferred)
    would hold more than ``max_triples`` triples (2,000 resources pairwise ``owl:sameAs`` give four
    million)."""

    timeout: float = 120.0
    max_triples: int = 1_000_000


def forks() -> bool:
    """Whether worker processes can be forked here (they inherit what they work on; elsewhere every
    call runs in this process)."""
    return "fork" in multiprocessing.get_all_start_methods()


def run(func: Callable[..., Any], args: tuple, limits: Limits, doing: str) -> Any:
    """``func(*args)`` in a forked worker, within ``limits``; its answer must pickle.

    Raises:
        LimitError: the time or memory limit was reached, or the call recursed too deeply.
        EngineError: the call failed, or the worker died (e.g. killed by the system).
        TowncaseError: whatever typed error the call raised, raised again here.
    """
    if not forks():
        return func(*args)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_work, args=(send, func, args, limits, doing), daemon=True)
    try:  # a Ctrl-C from the start on (even during the fork) still ends in the clean-up below
        worker.start()
        send.close()
        if not receive.poll(limits.timeout):
            raise LimitError(f"{doing} stopped after {limits.timeout:g} s, the time limit", "timeout",
                             hint="narrow it down, or allow more time (--timeout SECONDS)")
        try:
            status, payload = receive.recv()
        except EOFError:
            worker.join()
            raise EngineError(f"{doing}: the worker process died (exit code {worker.exitcode})",
                              hint="it may have run out of memory; run again with --debug") from None
    finally:
        receive.close()
        if worker.pid is not None:  # started
            if worker.is_alive():
                worker.kill()
            worker.join()
    if status == "ok":
        return payload
    raise payload


def _work(send: Any, func: Callable[..., Any], args: tuple, limits: Limits, doing: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it kills us
    _cap_memory(limits.max_memory)
    outcome: list[tuple[str, Any]] = []

    def call() -> None:
        sys.setrecursionlimit(RECURSION_LIMIT)
        try:
            outcome.append(("ok", func(*args)))
        except TowncaseError as err:  # pickled whole, with its type and attributes
            outcome.append(("error", err))
        except RecursionError:
            outcome.append(("error", LimitError(f"{doing}: it nests or chains too deeply even for a deep stack",
                                                "recursion", "simplify it")))
        except MemoryError:
            outcome.append(("error", LimitError(f"{doing}: it needs more than {limits.max_memory:,} bytes of memory",
                                                "memory", "narrow it down")))
        except BaseException as err:
            outcome.append(("error", EngineError(f"{doing}: {type(err).__name__}: {err}", "run again with --debug; "
                                                 "if the input is valid, this is a bug to report")))

    threading.stack_size(STACK_BYTES)
    thread = threading.Thread(target=call)
    thread.start()
    thread.join()
    try:
        send.send(outcome[0])
    except Exception as err:
        send.send(("error", EngineError(f"cannot hand the answer back: {type(err).__name__}: {err}")))
    send.close()


def each_forked(call: Callable[[int], T], count: int, jobs: int, doing: str) -> Generator[T, None, None]:
    """``call(0)``, ``call(1)``, … ``call(count - 1)``, in order, in up to ``jobs`` processes at once:
    worker processes forked when the first answer is asked for, so that ``call`` and whatever it reads
    are inherited, not pickled (its answers are). With one job, one call, or no ``fork``, every call runs
    here.

    When the generator is closed early (an error or Ctrl-C in the caller), the calls not yet begun are
    dropped, not run first.

    Raises:
        EngineError: a worker died (killed by the system, say for lack of memory).
        Exception: whatever a call raised, raised again here.
    """
    if count <= 1 or jobs <= 1 or not forks():
        yield from map(call, range(count))
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=min(jobs, count), mp_context=multiprocessing.get_context("fork"),
                               initializer=_adopt, initargs=(call,))
    try:
        futures = [pool.submit(_call, index) for index in range(count)]
        for future in futures:
            yield future.result()
    except BrokenProcessPool:
        raise EngineError(f"{doing}: a worker process died", hint="it may have been killed for lack of memory; "
                          "run it on less data") from None
    finally:
        pool.shutdown(cancel_futures=True)


#: In a worker of :func:`each_forked`: the call it makes (inherited by the fork, not pickled).
_CALL: Callable[[int], Any] | None = None


def _adopt(call: Callable[[int], Any]) -> None:
    global _CALL
    _CALL = call


def _call(index: int) -> Any:
    assert _CALL is not None
    return _CALL(index)


def _cap_memory(extra: int) -> None:
    """Let the worker's address space grow by at most ``extra`` bytes (Linux; elsewhere no cap)."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as statm:
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = used + extra
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    except (ImportError, OSError, ValueError):
        pass
