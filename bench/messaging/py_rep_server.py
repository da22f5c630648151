#!/usr/bin/env python3
"""The server half of the seed's status quo: one Python process, its own zmq.Context, a REP
socket on tcp loopback that answers every request with its own bytes.

Prints "READY <endpoint>" once bound (the port is ephemeral), then serves until SIGTERM
(Python's default action for it ends the process, even inside a blocking recv).
"""

import zmq


def main():
    context = zmq.Context()
    rep = context.socket(zmq.REP)
    rep.linger = 0
    rep.bind("tcp://127.0.0.1:*")
    print("READY", rep.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    while True:
        rep.send(rep.recv())


if __name__ == "__main__":
    main()
