#!/usr/bin/env python3
"""Calls one method of an agenthost agent with a plain pyzmq REQ socket (protocol AH1,
docs/PROTOCOL.md).

    call_agent.py --endpoint tcp://127.0.0.1:7100 --method echo --payload '{"x":1}'
    call_agent.py --endpoint tcp://127.0.0.1:7100 --health

Exit codes:
  0  status 200: the reply payload, then a newline, on stdout
  1  any other status: "error STATUS: message" on stderr (also for a reply that is not AH1)
  2  no reply within --timeout-ms, or a usage error (message on stderr)
"""

import argparse
import sys

try:
    import zmq
except ImportError:
    print("call_agent.py: needs pyzmq (Debian: apt install python3-zmq)", file=sys.stderr)
    sys.exit(2)

PROTOCOL = b"AH1"
HEALTH_METHOD = "agenthost.health"
MAX_METHOD_BYTES = 128


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Call a method of an agenthost agent (protocol AH1) and print the reply.")
    parser.add_argument("--endpoint", required=True, help="e.g. tcp://127.0.0.1:7100")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--method", help="the method to call")
    target.add_argument("--health", action="store_true",
                        help=f"call the built-in {HEALTH_METHOD} instead of --method")
    parser.add_argument("--payload", default="", help="request payload (UTF-8), default empty")
    parser.add_argument("--timeout-ms", type=int, default=1000,
                        help="give up after this many ms; also sent as the deadline (default 1000)")
    args = parser.parse_args(argv)
    if args.health:
        args.method = HEALTH_METHOD
    if not 1 <= len(args.method.encode()) <= MAX_METHOD_BYTES:
        parser.error(f"--method must be 1 to {MAX_METHOD_BYTES} bytes")
    if args.timeout_ms <= 0:
        parser.error("--timeout-ms must be positive")
    return args


def call(context, endpoint, method, payload, timeout_ms):
    """Sends one request; returns the reply frames, or None when none came in time."""
    socket = context.socket(zmq.REQ)
    # After a timeout the request is still queued: linger 0 lets close() drop it at once.
    socket.linger = 0
    try:
        socket.connect(endpoint)
        # The deadline frame tells the host not to start the handler once we have given up.
        socket.send_multipart([PROTOCOL, method.encode(), payload, str(timeout_ms).encode()])
        if not socket.poll(timeout_ms, zmq.POLLIN):
            return None
        return socket.recv_multipart()
    finally:
        socket.close(linger=0)


def main(argv):
    args = parse_args(argv)
    context = zmq.Context()
    try:
        frames = call(context, args.endpoint, args.method, args.payload.encode(), args.timeout_ms)
    except zmq.ZMQError as error:  # e.g. a malformed endpoint
        print(f"call_agent.py: {args.endpoint}: {error}", file=sys.stderr)
        return 2
    finally:
        context.term()

    if frames is None:
        print(f"call_agent.py: no reply from {args.endpoint} within {args.timeout_ms} ms",
              file=sys.stderr)
        return 2
    if len(frames) < 3 or frames[0] != PROTOCOL or not frames[1].isdigit():
        print(f"error 0: not an AH1 reply ({len(frames)} frames)", file=sys.stderr)
        return 1

    status = int(frames[1])
    if status != 200:
        print(f"error {status}: {frames[2].decode(errors='replace')}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(frames[2] + b"\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
