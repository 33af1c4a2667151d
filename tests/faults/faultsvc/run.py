"""``cosupervise serve`` for the fault-test services: the very same serve(), another class.

    python -m tests.faults.faultsvc.run faultconsumer

``FAULT_HTTP`` is the service's health/metrics address.
"""

import os
import sys

import eventlet

eventlet.monkey_patch()  # as cosupervise.serve does, before nameko is imported

import cosupervise.serve as serve_module  # noqa: E402
import runtime.config as runtime_config  # noqa: E402


def _dump_greenlets(signum, frame):
    """SIGUSR1: print where every green thread is (to see what a stuck service waits on)."""
    import gc
    import traceback

    import greenlet

    for obj in gc.get_objects():
        if isinstance(obj, greenlet.greenlet) and obj.gr_frame is not None:
            print("--- greenlet", obj, flush=True)
            traceback.print_stack(obj.gr_frame, file=sys.stdout)
            frame = obj.gr_frame
            while frame is not None:  # a socket wait: which socket, with which timeout
                sock = frame.f_locals.get("self")
                if type(sock).__name__ == "TCPTransport":
                    print(
                        "    transport connected",
                        sock.connected,
                        "buffer",
                        len(sock._read_buffer),
                        flush=True,
                    )
                    try:
                        import socket as _socket

                        peek = sock.sock.fd.recv(8, _socket.MSG_PEEK | _socket.MSG_DONTWAIT)
                        print("    peek", peek, flush=True)
                    except OSError as exc:
                        print("    peek error", exc, flush=True)
                if type(sock).__name__ == "GreenSocket":
                    print(
                        "    socket",
                        sock.fileno(),
                        "timeout",
                        sock.gettimeout(),
                        "peer",
                        _peer(sock),
                        flush=True,
                    )
                frame = frame.f_back
    sys.stdout.flush()


def _peer(sock):
    try:
        return sock.getpeername()
    except OSError as exc:
        return f"({exc})"


def main(name: str) -> int:
    import signal

    signal.signal(signal.SIGUSR1, _dump_greenlets)
    from tests.faults.faultsvc.service import SERVICES

    config = dict(runtime_config.load_config())
    config["http"] = {**config["http"], name: os.environ["FAULT_HTTP"]}
    runtime_config.settings = lambda: config
    serve_module.service_class = SERVICES.__getitem__
    return serve_module.serve(name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
