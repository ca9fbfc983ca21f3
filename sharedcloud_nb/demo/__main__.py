"""The demo API's command line: ``python -m sharedcloud_nb.demo --port 8000``.

This module owns the CLI only: it parses the options, starts a :class:`~.server.DemoServer`,
prints its url and the demo credentials with how to use them, and serves until Ctrl-C (or
SIGTERM), then stops cleanly.

``--fault NAME[:ARG][*TIMES]`` (repeatable) installs the server's named faults (``--help`` lists them), to
rehearse failures: ``python -m sharedcloud_nb.demo --fault 'status:503*2' --fault latency:0.3``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
import threading
from collections.abc import Sequence

from .faults import fault_table, parse_fault
from .server import DemoServer
from .timeline import clock_text


def _fault_spec(spec: str) -> str:
    """argparse type of --fault: a valid spec, kept as text for DemoServer(faults=...)."""
    try:
        parse_fault(spec)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return spec


def _clock(text: str) -> str:
    """argparse type of --clock: the API's own date form."""
    try:
        return clock_text(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a clock like 05-10-2018 16:45:36: {text!r}") from None


def _faults_epilog() -> str:
    return (
        "faults (--fault NAME[:ARG][*TIMES], TIMES a count or 'forever'; times is each one's default):\n"
        + textwrap.indent(fault_table(104), "  ")
        + "\n\nexample: python -m sharedcloud_nb.demo --fault 'status:503*2' --fault bad-records:type"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sharedcloud_nb.demo``."""
    parser = argparse.ArgumentParser(
        prog="python -m sharedcloud_nb.demo",
        description="Serve the built-in demo Sharedcloud Images API over HTTP.",
        epilog=_faults_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=8000, help="port to bind, 0 for any free one (default: %(default)s)"
    )
    parser.add_argument(
        "--size", type=int, default=None, help="serve N generated images instead of the default catalogue"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated images (default: %(default)s)")
    parser.add_argument(
        "--clock",
        type=_clock,
        default=None,
        metavar="'dd-mm-YYYY HH:MM:SS'",
        help="the server's frozen clock; the catalogue is the one of that time (default: 05-10-2018 16:45:36)",
    )
    parser.add_argument(
        "--live-clock",
        action="store_true",
        help="use the real UTC clock for current_server_time (default: frozen at 05-10-2018 16:45:36)",
    )
    parser.add_argument("--page-size", type=int, default=None, help="paginate the list DRF-style, N images a page")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_fault_spec,
        metavar="NAME[:ARG][*TIMES]",
        help="inject a named fault (repeatable; listed below)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo API until interrupted; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.size is not None and args.size < 0:
        build_parser().error("--size must be >= 0")
    if args.page_size is not None and args.page_size < 1:
        build_parser().error("--page-size must be >= 1")
    try:
        server = DemoServer(
            host=args.host,
            port=args.port,
            size=args.size,
            seed=args.seed,
            clock=args.clock,
            live_clock=args.live_clock,
            page_size=args.page_size,
            faults=args.fault,
        )
    except ValueError as exc:  # a fault's ARG out of range, say
        build_parser().error(str(exc))
    try:
        server.start()
    except OSError as exc:
        print(f"Could not serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1

    stopping = threading.Event()
    # SIGTERM (e.g. from a process manager or a test) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    url = server.url
    print(
        f"Sharedcloud demo API: {len(server.images)} images at {url}, clock {server.clock}\n"
        f"  url:      {url}\n"
        f"  token:    {server.token}\n"
        f"  username: {server.username}\n"
        f"  password: {server.password}\n"
        f"  instances: {', '.join(server.instances)}\n"
        + (f"  faults:   {' '.join(args.fault)}\n" if args.fault else "")
        + "\n"
        "Use it from a shell, then start Jupyter or Python there:\n"
        f"  export SHAREDCLOUD_URL={url} SHAREDCLOUD_TOKEN={server.token}\n"
        f'  curl -H "Authorization: Token {server.token}" {url}/api/v1/images/\n'
        "or in a notebook:\n"
        f'  client = sharedcloud_nb.Client("{server.token}", url="{url}")\n'
        "\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
