"""Python multiprocessing measured on this machine, for the peers table of `npm run bench`.

Usage: python3 bench/python/peers.py [--quick]

Standard library only. Every pool uses the fork start method (the Linux default up to
Python 3.13) unless named otherwise. Measures, each as the median of a few repetitions:

- roundTripUs: one trivial call through a 1-worker Pool, ``pool.apply(nop)``, in µs per call;
- mapItemsPerSec / mapItemsPerSecChunk10k: ``Pool(2).map(inc, range(1_000_000))`` with the
  default chunksize and with chunksize=10_000, in items/s;
- echoGBps: 128 MiB of ``bytes`` sent to a worker and back with ``pool.apply(echo, (data,))``,
  counting bytes both ways (``array('d')`` pickles through an extra copy; see echoArrayGBps);
- start2Ms / start2SpawnMs: from ``Pool(2)`` until both workers have answered a trivial task
  (each task waits at a 2-party barrier, so one worker cannot answer both), fork and spawn.

Prints one JSON line on stdout; progress goes to stderr. Runs in about 15-25 s.
"""

import json
import multiprocessing as mp
import platform
import signal
import statistics
import sys
import time
from array import array

QUICK = "--quick" in sys.argv
RT_BATCHES = 5 if QUICK else 21
RT_CALLS = 200 if QUICK else 250
MAP_ITEMS = 1_000_000
MAP_ROUNDS = 1 if QUICK else 5
ECHO_BYTES = (16 if QUICK else 128) << 20
ECHO_ROUNDS = 1 if QUICK else 3
START_ROUNDS = 2 if QUICK else 7
SPAWN_ROUNDS = 1 if QUICK else 3

_barrier = None


def nop():
    return 1


def inc(x):
    return x + 1


def echo(data):
    return data


def _init_barrier(barrier):
    global _barrier
    _barrier = barrier


def _meet(_):
    _barrier.wait(timeout=30)
    return 1


def progress(line):
    print(f"[python] {line}", file=sys.stderr, flush=True)


def now():
    return time.perf_counter()


def round_trip_us(ctx):
    with ctx.Pool(1) as pool:
        for _ in range(RT_CALLS * 3):  # warm-up
            pool.apply(nop)
        samples = []
        for _ in range(RT_BATCHES):
            t0 = now()
            for _ in range(RT_CALLS):
                pool.apply(nop)
            samples.append((now() - t0) * 1e6 / RT_CALLS)
    return statistics.median(samples)


def map_items_per_sec(ctx, chunksize):
    items = range(MAP_ITEMS)
    with ctx.Pool(2) as pool:
        pool.map(inc, range(10_000))  # warm-up
        samples = []
        for _ in range(MAP_ROUNDS):
            t0 = now()
            out = pool.map(inc, items, chunksize)
            samples.append(MAP_ITEMS / (now() - t0))
            if len(out) != MAP_ITEMS or out[-1] != MAP_ITEMS:
                raise RuntimeError("map returned the wrong result")
    return statistics.median(samples)


def echo_gbps(ctx, data):
    with ctx.Pool(1) as pool:
        pool.apply(nop)
        samples = []
        for _ in range(ECHO_ROUNDS):
            t0 = now()
            back = pool.apply(echo, (data,))
            samples.append(2 * ECHO_BYTES / (now() - t0) / 1e9)
            if len(back) != len(data) or back[-1] != data[-1]:
                raise RuntimeError("the echoed data differs from the data sent")
            del back
    return statistics.median(samples)


def start2_ms(ctx, rounds):
    samples = []
    for _ in range(rounds):
        barrier = ctx.Barrier(2)
        t0 = now()
        pool = ctx.Pool(2, initializer=_init_barrier, initargs=(barrier,))
        try:
            answers = pool.map(_meet, range(2), 1)
            samples.append((now() - t0) * 1e3)
            if answers != [1, 1]:
                raise RuntimeError("a worker did not answer")
        finally:
            pool.terminate()
            pool.join()
    return statistics.median(samples)


def main():
    # A SIGTERM (the bench's timeout) unwinds through the `with` blocks, which terminate the pools.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    fork = mp.get_context("fork")
    started = now()
    result = {"python": platform.python_version()}

    result["roundTripUs"] = round_trip_us(fork)
    progress(f"roundTripUs done at {now() - started:.1f} s")
    result["mapItemsPerSec"] = map_items_per_sec(fork, None)
    result["mapItemsPerSecChunk10k"] = map_items_per_sec(fork, 10_000)
    progress(f"map done at {now() - started:.1f} s")
    payload = bytes(range(256)) * (ECHO_BYTES // 256)
    result["echoGBps"] = echo_gbps(fork, payload)
    del payload
    floats = array("d", range(ECHO_BYTES // 8))
    result["echoArrayGBps"] = echo_gbps(fork, floats)
    del floats
    progress(f"echo done at {now() - started:.1f} s")
    result["start2Ms"] = start2_ms(fork, START_ROUNDS)
    result["start2SpawnMs"] = start2_ms(mp.get_context("spawn"), SPAWN_ROUNDS)
    progress(f"start done at {now() - started:.1f} s")
    result["totalS"] = now() - started

    rounded = {k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in result.items()}
    print(json.dumps(rounded), flush=True)


if __name__ == "__main__":
    main()
