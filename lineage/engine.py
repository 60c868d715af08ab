"""Where the heavy per-chunk work runs: in this process, in local processes, or on Dask.

An engine maps a pure function over a list of chunks and returns the results
**in chunk order**, so whatever runs the chunks, the merged output is the
same, byte for byte. ``lineage.match`` uses it for shingling and signatures
(chunks of articles) and candidate verification (chunks of pairs).

* ``LocalEngine(workers=1)``: a plain loop (default, no extra dependency);
  ``workers > 1`` uses a ``concurrent.futures`` process pool.
* ``DaskEngine(scheduler=None | "tcp://host:8786")``: ``dask.distributed``;
  with no address it starts a ``LocalCluster``. Needs ``pip install
  'lineage[dask]'``.

Example:
    >>> LocalEngine().map(sum, [[1, 2], [3]])
    [3, 3]
"""

from __future__ import annotations

import functools
import gc
import mmap
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing, contextmanager
from typing import Any, Protocol, TypeVar

from lineage.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")
R_co = TypeVar("R_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)


class Engine(Protocol):
    """Maps a function over chunks; results come back in chunk order."""

    workers: int

    def map(self, fn: Callable[[T], R], chunks: Sequence[T]) -> list[R]:
        """``[fn(c) for c in chunks]``, possibly in parallel."""
        ...

    def map_iter(self, fn: Callable[[T], R], chunks: Sequence[T]) -> Generator[R, None, None]:
        """``map``, yielding each result, in chunk order, as soon as it is in.

        For progress bars: one pool (or one batch of tasks) serves all chunks,
        where calling ``map`` in waves would start workers once per wave.
        Close the iterator (``contextlib.closing``) if you stop early.
        """
        ...

    def map_shared(self, fn: Callable[[S, T], R], shared: S, chunks: Sequence[T]) -> list[R]:
        """``[fn(shared, c) for c in chunks]``: ``shared`` is sent to each worker once.

        For data every chunk reads (a corpus, a signature matrix): chunks stay
        small (ranges into ``shared``), so making and sending them costs nothing.
        """
        ...

    def map_sent(self, fn: Callable[[T], R], chunks: Sequence[T]) -> Generator[R, None, None]:
        """``map_iter`` for chunks that hold all they need: each is sent to a worker whole.

        For chunks of many small Python objects (texts, passages, facts): a
        worker that read them from a forked heap would come to hold a copy of
        every page they lie on. ``chunks[i]`` is read once, when the chunk is
        sent or run, so a lazy sequence makes each chunk only then.
        """
        ...


class _Claims:
    """Chunk numbers handed out one at a time, to this process and its forked workers.

    A counter in an anonymous shared mapping made before the fork, so every
    process of the map holds it: whoever is free takes the next chunk, which
    balances uneven chunks. Each map has its own mapping: a worker of an earlier
    map that is still winding down cannot take this map's chunks (a counter
    from multiprocessing's shared heap could be the same memory, reused).
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._next = mmap.mmap(-1, 8)  # MAP_SHARED | MAP_ANONYMOUS, zeroed
        self._lock = mp.get_context("fork").Lock()

    def take(self) -> int | None:
        """The next chunk number, or ``None`` when all are taken."""
        with self._lock:
            i = int.from_bytes(self._next[:8], "little")
            if i >= self.n:
                return None
            self._next[:8] = (i + 1).to_bytes(8, "little")
        return i


_FORKED: tuple[Callable[..., Any], Sequence[Any], tuple[Any, ...], _Claims] | None = None


def _run_claimed(_: int) -> tuple[int, Any] | None:
    """In a forked worker: run the next unclaimed chunk, if any is left."""
    assert _FORKED is not None
    fn, chunks, shared, claims = _FORKED
    i = claims.take()
    return None if i is None else (i, fn(*shared, chunks[i]))


def _call_shared(chunk: Any, fn: Callable[[Any, Any], Any], shared: Any) -> Any:
    return fn(shared, chunk)


class Pending(Protocol[R_co]):
    """Work started with ``LocalEngine.alongside``; ``result()`` waits for it."""

    def result(self) -> R_co:
        """The function's return value (its exception, if it raised)."""
        ...

    def close(self) -> None:
        """Stop the work if it still runs."""
        ...


class _Later:
    """Runs the function only when its result is asked for (nothing to overlap with)."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn

    def result(self) -> Any:
        return self._fn()

    def close(self) -> None:
        """Nothing runs in the background."""


_ALONGSIDE: Callable[[], Any] | None = None


def _run_alongside() -> Any:
    assert _ALONGSIDE is not None
    return _ALONGSIDE()


def _lower_priority(niceness: int) -> None:
    """Pool initializer: yield the CPU to the scan's own stages (``os.nice``)."""
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)


class _Forked:
    """A function running in one forked process that inherited what it reads."""

    def __init__(self, fn: Callable[[], Any], niceness: int = 0) -> None:
        global _ALONGSIDE
        _ALONGSIDE = fn
        try:  # forks now: the child sees ``fn``
            self._pool = mp.get_context("fork").Pool(1, _lower_priority, (niceness,))
        finally:
            _ALONGSIDE = None
        self._async = self._pool.apply_async(_run_alongside)

    def result(self) -> Any:
        try:
            return self._async.get()
        finally:
            self.close()

    def close(self) -> None:
        """Stop the process (a no-op once the result is in)."""
        self._pool.terminate()
        self._pool.join()


class Fed(Protocol[T_contra, R_co]):
    """A process started early and fed its input later (``early_process``)."""

    def put(self, item: T_contra) -> None:
        """Send one item (pickled by a background thread: this returns at once)."""
        ...

    def result(self) -> R_co:
        """No more items: wait for the consumer's return value (its exception, if it raised)."""
        ...

    def close(self) -> None:
        """Stop the process if it still runs."""
        ...


def _serve(consume: Callable[[Iterator[Any]], Any], items: Any, out: Any, niceness: int) -> None:
    """In the early process: consume the items until the end mark, send back the result."""
    _lower_priority(niceness)

    def stream() -> Iterator[Any]:
        while (item := items.get()) is not None:
            yield item

    try:
        reply: tuple[bool, Any] = (True, consume(stream()))
    except BaseException as exc:  # handed to the parent, raised there
        reply = (False, exc)
    try:
        out.send(reply)
    except Exception as exc:  # an unpicklable result or exception
        out.send((False, RuntimeError(f"early process: cannot send its result back: {exc!r}")))
    out.close()


class _Early:
    """A process forked while this one is small, sent its input by pickle (``early_process``)."""

    def __init__(self, consume: Callable[[Iterator[Any]], Any], niceness: int = 0) -> None:
        ctx = mp.get_context("fork")
        self._items = ctx.Queue()  # put() returns at once: a feeder thread pickles and sends
        self._reply, child_end = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_serve, args=(consume, self._items, child_end, niceness),
                                 daemon=True)  # fmt: skip
        self._proc.start()
        child_end.close()
        self._done = False

    def put(self, item: Any) -> None:
        self._items.put(item)

    def result(self) -> Any:
        try:
            self._items.put(None)  # the end mark
            while not self._reply.poll(0.2) and self._proc.is_alive():
                pass
            try:
                ok, value = self._reply.recv()
            except EOFError:  # it ended (killed, or exited) without a word
                self._proc.join()
                raise RuntimeError(
                    f"the early process ended with code {self._proc.exitcode}"
                    " before sending its result"
                ) from None
        finally:
            self.close()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop the process (a no-op once the result is in)."""
        if self._done:
            return
        self._done = True
        self._items.cancel_join_thread()  # items still queued for a stopped process are dropped
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._items.close()
        self._reply.close()


def early_process(consume: Callable[[Iterator[T]], R], niceness: int = 0) -> Fed[T, R] | None:
    """Start ``consume`` in a process now, to be fed items later; ``None`` without ``fork``.

    Why not fork later, when the input is ready (``LocalEngine.alongside``)?
    Forking copies nothing at once, but every memory page that either process
    writes afterwards is copied (CPython writes reference counts whenever an
    object is read), so a long-lived process forked beside a large heap comes to
    hold a copy of much of it (100k articles: ~0.7 GB for attribution). Forked
    before the heap grows, it holds only what it is sent, one item at a time.
    ``niceness`` as for ``alongside``.
    """
    if "fork" not in mp.get_all_start_methods():  # pragma: no cover - not Linux/macOS
        return None
    return _Early(consume, niceness)


class LocalEngine:
    """In-process engine; ``workers > 1`` runs chunks in a process pool.

    Args:
        workers: Processes to use (1 = this process only).
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._senders: ProcessPoolExecutor | None = None

    def start_workers(self) -> None:
        """Fork the workers of ``map_sent`` now, while this process is small.

        Workers forked later, beside a large heap, come to hold a copy of every
        page of it that they or this process touch while they live: CPython
        writes an object's reference count whenever it reads it (100,000
        articles: ~1.3 GB in the dedupe stage, ~0.7 GB in facts). Workers
        forked at the start hold only the chunks they are sent. Without
        ``fork``, or with one worker, nothing starts. ``close()`` stops them.
        """
        if self._senders is not None or self.workers == 1:
            return
        if "fork" not in mp.get_all_start_methods():  # pragma: no cover - not Linux/macOS
            return
        pool = ProcessPoolExecutor(self.workers - 1, mp_context=mp.get_context("fork"))
        pool.submit(int).result()  # forks the workers now (a pool forks at its first task)
        self._senders = pool

    def close(self) -> None:
        """Stop the workers ``start_workers`` forked (if any)."""
        if self._senders is not None:
            self._senders.shutdown(wait=True, cancel_futures=True)
            self._senders = None

    def map(self, fn: Callable[[T], R], chunks: Sequence[T]) -> list[R]:
        """``[fn(c) for c in chunks]``."""
        return self._map(fn, (), chunks)

    def map_iter(self, fn: Callable[[T], R], chunks: Sequence[T]) -> Generator[R, None, None]:
        """``map``, one result at a time in chunk order (one pool for all chunks)."""
        with closing(self._iter(fn, (), chunks)) as results:
            yield from results

    def map_shared(self, fn: Callable[[S, T], R], shared: S, chunks: Sequence[T]) -> list[R]:
        """``[fn(shared, c) for c in chunks]``; forked workers inherit ``shared``."""
        return self._map(fn, (shared,), chunks)

    def map_sent(self, fn: Callable[[T], R], chunks: Sequence[T]) -> Generator[R, None, None]:
        """``map_iter``, sending each chunk by pickle to the workers of ``start_workers``.

        Without those workers it is ``map_iter`` (chunks inherited by forked workers).
        """
        if self._senders is None or len(chunks) < 2:
            yield from self.map_iter(fn, chunks)
            return
        yield from self._sent(self._senders, fn, chunks)

    def _sent(self, pool: ProcessPoolExecutor, fn: Callable[[T], R], chunks: Sequence[T]
              ) -> Generator[R, None, None]:  # fmt: skip
        """The workers are kept two chunks ahead; this process runs a chunk whenever
        none of theirs is back, so every process stays busy and uneven chunks balance."""
        ahead = 2 * (self.workers - 1)
        flying: deque[tuple[int, Future[R]]] = deque()
        done: dict[int, R] = {}
        sent = given = 0
        try:
            while given < len(chunks):
                while sent < len(chunks) and len(flying) < ahead:
                    flying.append((sent, pool.submit(fn, chunks[sent])))
                    sent += 1
                while flying and flying[0][1].done():
                    i, future = flying.popleft()
                    done[i] = future.result()
                if sent < len(chunks):
                    done[sent] = fn(chunks[sent])
                    sent += 1
                elif flying:  # nothing left to take: wait for the workers' chunks
                    i, future = flying.popleft()
                    done[i] = future.result()
                while given in done:
                    yield done.pop(given)
                    given += 1
        finally:
            for _, future in flying:
                future.cancel()

    def alongside(self, fn: Callable[[], R], niceness: int = 0) -> Pending[R]:
        """Start ``fn()`` in a forked process while this one goes on with other stages.

        With one worker (or no ``fork``) nothing runs early: ``fn`` runs when
        its result is asked for. The child inherits what ``fn`` reads; only the
        result is pickled back. Call ``close()`` on the returned object to stop
        it if its result is no longer wanted. ``niceness`` > 0 runs the child at
        a lower CPU priority: work that is not waited for soon then takes the
        cores the other stages leave idle instead of slowing them down.
        """
        if self.workers == 1 or "fork" not in mp.get_all_start_methods():
            return _Later(fn)
        return _Forked(fn, niceness)

    def _map(self, fn: Callable[..., R], shared: tuple[Any, ...], chunks: Sequence[Any]) -> list[R]:
        with closing(self._iter(fn, shared, chunks)) as results:
            return list(results)

    def _iter(self, fn: Callable[..., R], shared: tuple[Any, ...], chunks: Sequence[Any]
              ) -> Generator[R, None, None]:  # fmt: skip
        if self.workers == 1 or len(chunks) < 2:
            for c in chunks:
                yield fn(*shared, c)
            return
        if "fork" not in mp.get_all_start_methods():  # pragma: no cover - not Linux/macOS
            with ProcessPoolExecutor(max_workers=self.workers) as pool:
                yield from pool.map(functools.partial(fn, *shared) if shared else fn, chunks)
            return
        yield from self._forked(fn, shared, chunks)

    def _forked(self, fn: Callable[..., R], shared: tuple[Any, ...], chunks: Sequence[Any]
                ) -> Generator[R, None, None]:  # fmt: skip
        """``workers - 1`` forked processes and this one take chunks until none is left.

        The workers inherit the chunks: only results are pickled, and this
        process's own share not at all. Working here too saves a fork of the
        whole heap per map (~0.1 s at 2 GB) and keeps no core idle.
        """
        global _FORKED
        claims = _Claims(len(chunks))
        _FORKED = (fn, chunks, shared, claims)
        pool = ProcessPoolExecutor(self.workers - 1, mp_context=mp.get_context("fork"))
        try:
            futures: list[Future[Any] | None] = [
                pool.submit(_run_claimed, k) for k in range(len(chunks))
            ]  # forks here
            done: dict[int, R] = {}
            harvested = given = 0

            def harvest(block: bool) -> None:
                nonlocal harvested
                while harvested < len(futures):
                    future = futures[harvested]
                    assert future is not None
                    if not (block or future.done()):
                        return
                    got = future.result()
                    futures[harvested] = None  # its result is not held until the map ends
                    if got is not None:
                        done[got[0]] = got[1]
                    harvested += 1

            while True:
                i = claims.take()
                if i is not None:
                    done[i] = fn(*shared, chunks[i])
                harvest(block=i is None)  # none left to take: wait for the workers' chunks
                while given in done:
                    yield done.pop(given)
                    given += 1
                if i is None:
                    return
        finally:
            _FORKED = None
            # the results are in: the workers tear down their copy of the heap
            # (~0.1 s at 2 GB) while this process goes on
            pool.shutdown(wait=False, cancel_futures=True)


class DaskEngine:
    """Runs chunks on a ``dask.distributed`` cluster.

    Args:
        scheduler: Scheduler address (``tcp://host:8786``); ``None`` starts a
            ``LocalCluster`` with default workers.
        client: An existing ``distributed.Client`` to use instead.

    Raises:
        ConfigError: dask.distributed is not installed.
    """

    def __init__(self, scheduler: str | None = None, *, client: Any = None) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigError(
                "the dask engine needs dask.distributed: pip install 'lineage[dask]'"
            ) from exc
        self._own = client is None
        self.client = client if client is not None else Client(scheduler)
        info = self.client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def map(self, fn: Callable[[T], R], chunks: Sequence[T]) -> list[R]:
        """Submit one task per chunk, gather in chunk order."""
        if not chunks:
            return []
        futures = self.client.map(fn, list(chunks), pure=False)
        return list(self.client.gather(futures))

    def map_iter(self, fn: Callable[[T], R], chunks: Sequence[T]) -> Generator[R, None, None]:
        """Submit one task per chunk; yield each result in chunk order."""
        futures = self.client.map(fn, list(chunks), pure=False)
        try:
            for future in futures:
                yield future.result()
        finally:
            self.client.cancel(futures)

    def map_sent(self, fn: Callable[[T], R], chunks: Sequence[T]) -> Generator[R, None, None]:
        """``map_iter``: every task is sent to its worker anyway."""
        return self.map_iter(fn, chunks)

    def map_shared(self, fn: Callable[[S, T], R], shared: S, chunks: Sequence[T]) -> list[R]:
        """Scatter ``shared`` to every worker once, then one small task per chunk."""
        if not chunks:
            return []
        [held] = self.client.scatter([shared], broadcast=True, hash=False)
        try:
            futures = self.client.map(_call_shared, list(chunks), fn=fn, shared=held, pure=False)
            return list(self.client.gather(futures))
        finally:
            self.client.cancel([held])

    def close(self) -> None:
        """Close the client if this engine opened it."""
        if self._own:
            self.client.close()


def make_engine(engine: str = "local", scheduler: str | None = None, workers: int = 1) -> Engine:
    """The engine named by the ``engine``/``scheduler``/``workers`` settings."""
    if engine == "local":
        return LocalEngine(workers)
    if engine == "dask":
        return DaskEngine(scheduler)
    raise ConfigError(f"unknown engine {engine!r}; use 'local' or 'dask'")


def chunked(n: int, size: int) -> list[tuple[int, int]]:
    """``[(lo, hi), ...]`` ranges covering ``range(n)`` in steps of ``size``."""
    return [(lo, min(lo + size, n)) for lo in range(0, n, max(1, size))]


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a stage.

    The stages make hundreds of thousands of lasting, acyclic objects (documents,
    passages, facts, matches, graph evidence); each full collection would rescan
    everything made so far (10k articles: graph 1.6 s of GC). Forked workers
    inherit the pause, so they do not copy pages by scanning inherited objects
    either. Nested use is a no-op.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
