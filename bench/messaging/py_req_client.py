#!/usr/bin/env python3
"""The client half of the seed's status quo: a pyzmq REQ socket in its own process, making
sequential round trips to py_rep_server.py, the way the seed's agents call each other.

Prints one line that bench_messaging parses:
    ROUND_TRIPS_NS <elapsed of the measured loop> <round trip 1> <round trip 2> ...
all in nanoseconds; each round trip runs from the end of the previous one to the end of this
one, as in the C++ baselines. Exits 1 (message on stderr) when a reply does not come in time.
"""

import argparse
import sys
import time

import zmq


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--time-limit-s", type=float, default=20,
                        help="stop measuring after this long, even before --count")
    parser.add_argument("--timeout-ms", type=int, default=2000,
                        help="a round trip slower than this is a failure")
    parser.add_argument("--payload", default="")
    return parser.parse_args()


def main():
    args = parse_args()
    context = zmq.Context()
    req = context.socket(zmq.REQ)
    req.linger = 0
    req.rcvtimeo = args.timeout_ms
    req.connect(args.endpoint)
    payload = args.payload.encode()
    clock = time.perf_counter_ns
    give_up = clock() + int(args.time_limit_s * 1e9)

    samples = []
    try:
        for _ in range(args.warmup):
            if clock() >= give_up:
                break
            req.send(payload)
            req.recv()
        start = before = clock()
        for _ in range(args.count):
            if before >= give_up:
                break
            req.send(payload)
            req.recv()
            after = clock()
            samples.append(after - before)
            before = after
    except zmq.Again:
        print(f"py_req_client.py: no reply within {args.timeout_ms} ms", file=sys.stderr)
        return 1
    finally:
        req.close()
        context.term()

    print("ROUND_TRIPS_NS", before - start, *samples, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
