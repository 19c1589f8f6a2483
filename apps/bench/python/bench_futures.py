#!/usr/bin/env python3
"""Python's concurrent.futures side of the futures benchmark.

The bench app (apps/bench) runs this script with python3 to measure
ProcessPoolExecutor and ThreadPoolExecutor on the same machine, in the same
run, with the same workloads as the TypeScript pools.

Two ways to call it:

  One shot: run one workload and print one JSON object.
    python3 bench_futures.py --kind process --workers 2 --op burst --n 20000 --repeat 3
    -> {"kind": "process", "workers": 2, "op": "burst", "ms": [412.1, 398.7, 401.0], ...}

  Server (what the bench app uses, so that Python runs interleave with the
  Node pools round by round): --serve reads one JSON command per line on
  stdin and answers one JSON line per command on stdout.
    {"op": "burst", "n": 20000}              -> {"ms": 401.3}
    {"op": "stop"}                            -> {"stopped": true}
  End of input means stop as well, so the pool never outlives the bench app.

Kinds: "process" (ProcessPoolExecutor), "thread" (ThreadPoolExecutor),
"single" (no pool: the work runs in this process, one call after another;
the ideal that a pool of N workers is compared against).

Ops (times are milliseconds, measured here with perf_counter around the work
only, so the stdin/stdout hop of the server is not counted):
  rtt     n sequential submit(noop).result() calls
  burst   n submit(noop) calls, then wait for all
  map     list(ex.map(echo, range(n), chunksize=c))
  fib     count submit(fib, n) calls, then wait for all
  echo    submit(echo, payload).result() `reps` times; payload is an
          array('d') of `bytes` bytes (bytes() when not a multiple of 8)
"""

import argparse
import json
import multiprocessing
import os
import platform
import sys
import time
from array import array
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait


def noop():
    return None


def echo(x):
    return x


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def make_payload(nbytes):
    if nbytes >= 8 and nbytes % 8 == 0:
        a = array('d')
        a.frombytes(bytes(nbytes))
        return a
    return bytes(nbytes)


class Bench:
    """One executor (or none, for kind "single") and the workloads run on it."""

    def __init__(self, kind, workers):
        self.kind = kind
        self.workers = workers
        self.payloads = {}
        if kind == 'process':
            self.ex = ProcessPoolExecutor(max_workers=workers)
        elif kind == 'thread':
            self.ex = ThreadPoolExecutor(max_workers=workers)
        elif kind == 'single':
            self.ex = None
        else:
            raise ValueError('kind must be process, thread or single, not %r' % kind)
        if self.ex is not None:
            # Start every worker now so that start-up is not part of any figure.
            wait([self.ex.submit(fib, 10) for _ in range(workers * 4)])

    def run(self, cmd):
        op = cmd['op']
        handler = getattr(self, 'op_' + op, None)
        if handler is None:
            raise ValueError('unknown op %r' % op)
        if self.ex is None and op != 'fib':
            raise ValueError('kind "single" only runs fib')
        return handler(cmd)

    def op_rtt(self, cmd):
        n = int(cmd['n'])
        ex = self.ex
        t0 = time.perf_counter()
        for _ in range(n):
            ex.submit(noop).result()
        return (time.perf_counter() - t0) * 1e3

    def op_burst(self, cmd):
        n = int(cmd['n'])
        ex = self.ex
        t0 = time.perf_counter()
        fs = [ex.submit(noop) for _ in range(n)]
        for f in fs:
            f.result()
        return (time.perf_counter() - t0) * 1e3

    def op_map(self, cmd):
        n = int(cmd['n'])
        chunksize = int(cmd.get('chunksize', 1))
        t0 = time.perf_counter()
        out = list(self.ex.map(echo, range(n), chunksize=chunksize))
        ms = (time.perf_counter() - t0) * 1e3
        if len(out) != n or (n and out[-1] != n - 1):
            raise RuntimeError('map returned wrong results')
        return ms

    def op_fib(self, cmd):
        n = int(cmd['n'])
        count = int(cmd['count'])
        expected = fib(n) * count
        t0 = time.perf_counter()
        if self.ex is None:
            total = 0
            for _ in range(count):
                total += fib(n)
        else:
            fs = [self.ex.submit(fib, n) for _ in range(count)]
            total = sum(f.result() for f in fs)
        ms = (time.perf_counter() - t0) * 1e3
        if total != expected:
            raise RuntimeError('fib returned wrong results')
        return ms

    def op_echo(self, cmd):
        nbytes = int(cmd['bytes'])
        reps = int(cmd.get('reps', 1))
        payload = self.payloads.get(nbytes)
        if payload is None:
            payload = self.payloads[nbytes] = make_payload(nbytes)
        ex = self.ex
        t0 = time.perf_counter()
        for _ in range(reps):
            out = ex.submit(echo, payload).result()
        ms = (time.perf_counter() - t0) * 1e3
        if len(out) != len(payload):
            raise RuntimeError('echo returned a payload of the wrong size')
        return ms

    def close(self):
        if self.ex is not None:
            self.ex.shutdown(wait=True, cancel_futures=True)
            self.ex = None


def info():
    return {
        'python': platform.python_version(),
        'implementation': platform.python_implementation(),
        'start_method': multiprocessing.get_start_method(),
        'cpus': os.cpu_count(),
    }


def serve(bench):
    out = sys.stdout
    out.write(json.dumps({'ready': True, **info()}) + '\n')
    out.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            if cmd.get('op') == 'stop':
                break
            reply = {'ms': bench.run(cmd)}
        except Exception as e:  # reported to the bench app, which marks the case n/a
            reply = {'error': '%s: %s' % (type(e).__name__, e)}
        out.write(json.dumps(reply) + '\n')
        out.flush()
    bench.close()
    out.write(json.dumps({'stopped': True}) + '\n')
    out.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--kind', choices=['process', 'thread', 'single'], required=True)
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--serve', action='store_true', help='JSON-lines commands on stdin')
    p.add_argument('--op', choices=['rtt', 'burst', 'map', 'fib', 'echo'])
    p.add_argument('--n', type=int, default=1000)
    p.add_argument('--chunksize', type=int, default=1)
    p.add_argument('--count', type=int, default=100)
    p.add_argument('--bytes', type=int, default=1 << 24)
    p.add_argument('--reps', type=int, default=1)
    p.add_argument('--repeat', type=int, default=1, help='measure the op this many times (one shot)')
    args = p.parse_args()
    if not args.serve and not args.op:
        p.error('give --serve or --op')

    bench = Bench(args.kind, args.workers)
    try:
        if args.serve:
            serve(bench)
            return
        cmd = {'op': args.op, 'n': args.n, 'chunksize': args.chunksize,
               'count': args.count, 'bytes': args.bytes, 'reps': args.reps}
        ms = [bench.run(cmd) for _ in range(args.repeat)]
        print(json.dumps({'kind': args.kind, 'workers': args.workers, **cmd, 'ms': ms, **info()}))
    finally:
        bench.close()


if __name__ == '__main__':
    main()
