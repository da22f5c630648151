#!/usr/bin/env python3
"""Calls one method of an agenthost agent with a plain pyzmq REQ socket (protocol AH1,
docs/PROTOCOL.md).

    call_agent.py --endpoint tcp://127.0.0.1:7100 --method echo --payload '{"x":1}'
    call_agent.py --endpoint tcp://127.0.0.1:7100 --health
    call_agent.py --endpoint tcp://pc2:7100 --method echo \
        --curve-server-key /etc/agenthost/curve/cluster.key \
        --curve-client-key ~/.agenthost/me.key_secret      # a host with host.curve set

The CURVE keys are certificate files of `agentctl curve-keygen` or pyzmq's
zmq.auth.create_certificates; the host admits the client key when its public half
(me.key) is in host.curve.authorized_keys.

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
    parser.add_argument("--curve-server-key",
                        help="the cluster's public certificate (NAME.key): speak CURVE")
    parser.add_argument("--curve-client-key",
                        help="this client's secret certificate (NAME.key_secret)")
    args = parser.parse_args(argv)
    if bool(args.curve_server_key) != bool(args.curve_client_key):
        parser.error("--curve-server-key and --curve-client-key go together")
    if args.health:
        args.method = HEALTH_METHOD
    if not 1 <= len(args.method.encode()) <= MAX_METHOD_BYTES:
        parser.error(f"--method must be 1 to {MAX_METHOD_BYTES} bytes")
    if args.timeout_ms <= 0:
        parser.error("--timeout-ms must be positive")
    return args


def use_curve(socket, server_key_file, client_key_file):
    """Makes `socket` a CURVE client of a host holding the cluster key (before connect)."""
    import zmq.auth
    socket.curve_serverkey, _ = zmq.auth.load_certificate(server_key_file)
    public, secret = zmq.auth.load_certificate(client_key_file)
    if secret is None:
        raise ValueError(f"{client_key_file} holds no secret key (give NAME.key_secret)")
    socket.curve_publickey, socket.curve_secretkey = public, secret


def call(context, endpoint, method, payload, timeout_ms, curve=None):
    """Sends one request; returns the reply frames, or None when none came in time.
    A host that refuses the client (CURVE) never answers: that is a timeout too."""
    socket = context.socket(zmq.REQ)
    # After a timeout the request is still queued: linger 0 lets close() drop it at once.
    socket.linger = 0
    try:
        if curve:
            use_curve(socket, *curve)
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
        curve = (args.curve_server_key, args.curve_client_key) if args.curve_server_key else None
        frames = call(context, args.endpoint, args.method, args.payload.encode(), args.timeout_ms,
                      curve)
    except zmq.ZMQError as error:  # e.g. a malformed endpoint
        print(f"call_agent.py: {args.endpoint}: {error}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:  # a key file that cannot be read or used
        print(f"call_agent.py: {error}", file=sys.stderr)
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
