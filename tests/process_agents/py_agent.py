#!/usr/bin/env python3
"""A small agent program for the `kind: process` tests: a ROUTER socket speaking AH1
(docs/PROTOCOL.md), as an existing Python agent of the seed would after moving over.

Methods: echo (the payload back), agenthost.health (healthy), exit (replies, then exits with
the payload as its status). It prints to stdout when it listens and when it gets SIGTERM, so
the tests can find those lines in the host's log under the agent's name.
"""

import argparse
import json
import signal
import sys

import zmq


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--name", default="PyAgent")
    parser.add_argument("--ignore-sigterm", action="store_true",
                        help="keep running after SIGTERM (the host must SIGKILL it)")
    return parser.parse_args()


def split_envelope(frames):
    """(envelope up to and including the empty delimiter, request frames)."""
    if len(frames) > 1 and frames[1] == b"AH1":
        return frames[:1], frames[1:]
    for i, frame in enumerate(frames):
        if frame == b"":
            return frames[:i + 1], frames[i + 1:]
    return None, None


def handle(name, method, payload):
    """(status, body, exit code or None)."""
    if method == b"agenthost.health":
        return b"200", json.dumps({"agent": name, "state": "ready", "health": "healthy", "detail": ""}).encode(), None
    if method == b"echo":
        return b"200", payload, None
    if method == b"exit":
        return b"200", b"exiting", int(payload or b"1")
    return b"404", b"no method " + method, None


def main():
    args = parse_args()
    stopping = []
    if args.ignore_sigterm:
        signal.signal(signal.SIGTERM, lambda *_: print("py-agent ignores SIGTERM", flush=True))
    else:
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    context = zmq.Context()
    socket = context.socket(zmq.ROUTER)
    socket.linger = 0
    socket.bind(args.endpoint)
    print(f"py-agent {args.name} listening on {args.endpoint}")
    print(f"py-agent {args.name} says hello on stderr", file=sys.stderr)

    poller = zmq.Poller()
    poller.register(socket, zmq.POLLIN)
    exit_code = None
    while not stopping and exit_code is None:
        if not poller.poll(100):
            continue
        frames = socket.recv_multipart()
        envelope, request = split_envelope(frames)
        if envelope is None or len(request) < 3 or request[0] != b"AH1":
            continue
        status, body, exit_code = handle(args.name, request[1], request[2])
        reply = [b"AH1", status, body]
        if len(request) >= 5:
            reply.append(request[4])
        socket.send_multipart(envelope + reply)

    if stopping:
        print("py-agent got SIGTERM, stopping")
    socket.close(linger=500)  # the reply to `exit` must still go out
    context.term()
    sys.exit(exit_code or 0)


if __name__ == "__main__":
    main()
