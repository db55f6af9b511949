"""``deltaprop playground``: the local web app (127.0.0.1 only) that trains and explains."""

from __future__ import annotations

from ._common import non_negative_int


def add_parser(sub) -> None:
    p = sub.add_parser(
        "playground",
        help="a local web page: train a network on a preset or your CSV and watch it learn",
        description="Serve the playground on http://127.0.0.1:PORT/ until Ctrl-C: presets or "
        "your own CSV, Step / Epoch / Train, the network, loss and decision map live, and for "
        "any weight its chain rule, gradient check and error curve.",
    )
    p.add_argument(
        "--port",
        type=non_negative_int,
        default=8765,
        help="TCP port on 127.0.0.1 (default 8765; 0 picks a free one)",
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..errors import ParameterError
    from ..playground import serve

    if args.port > 65535:
        raise ParameterError(f"--port must be at most 65535; got {args.port}")
    try:
        serve(args.port, open_browser=not args.no_browser)
    except OSError as exc:
        raise ParameterError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from None
    return 0
