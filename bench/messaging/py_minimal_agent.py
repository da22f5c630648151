#!/usr/bin/env python3
"""The smallest Python agent of the seed's kind, for the memory baseline: one process, its own
zmq.Context, a ROUTER socket on tcp loopback that answers every AH1 request with status 200
and the request's payload (docs/PROTOCOL.md; REQ and DEALER-with-delimiter callers).

Prints "READY <endpoint>" once bound (the port is ephemeral), then serves until SIGTERM
(Python's default action for it ends the process, even inside a blocking recv).
"""

import zmq


def main():
    context = zmq.Context()
    router = context.socket(zmq.ROUTER)
    router.linger = 0
    router.bind("tcp://127.0.0.1:*")
    print("READY", router.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    while True:
        frames = router.recv_multipart()
        try:
            delimiter = frames.index(b"")
        except ValueError:
            continue  # no envelope to answer to
        body = frames[delimiter + 1:]
        payload = body[2] if len(body) >= 3 else b""
        router.send_multipart(frames[:delimiter + 1] + [b"AH1", b"200", payload])


if __name__ == "__main__":
    main()
