"""`python -m landing_zone.emulator --port N --state-file F`: serve until SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from landing_zone.emulator import handlers
from landing_zone.emulator.server import record, this_process


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m landing_zone.emulator")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state-file", type=Path, required=True)
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    handlers.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    assert server._server is not None  # start() created it
    port = server._server.server_port  # the port the OS chose for port 0
    record(args.state_file, this_process(port))
    print(f"emulator listening on http://127.0.0.1:{port}", flush=True)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    server.stop()
    args.state_file.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
