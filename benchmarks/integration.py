"""Prototype of the integration of the fast path into the shipped socket manager.

Used by the ``manager-fast`` client only while :mod:`binance._streams.protocol`
does not include :class:`binance._streams.frames.FastFramesMixin` itself. It does
what the integration does (see README.rst, "Benchmarks"):

* the stream protocol becomes ``class StreamProtocol(FastFramesMixin,
  WebSocketClientProtocol)``;
* ``utf8validateIncoming`` stays at autobahn's default (on): the fast path
  validates text frames with an ASCII check, so conformance costs nothing.
"""
from typing import Any

from binance._streams.frames import FastFramesMixin

__all__ = ['patch_manager', 'already_integrated']


def already_integrated() -> bool:
    """True when the shipped stream protocol already includes the fast path."""
    from binance._streams import protocol as _ws_protocol
    return issubclass(_ws_protocol.StreamFactory.protocol, FastFramesMixin)


def patch_manager(manager_cls: Any) -> None:
    """Give ``manager_cls``'s streams the fast path (in this process only)."""
    from binance._streams import protocol as wp
    if already_integrated():
        return

    class FastStreamProtocol(FastFramesMixin, wp.StreamProtocol):  # type: ignore[misc]
        """The shipped stream protocol with the fast receive path."""

    original_init = wp.StreamFactory.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.setProtocolOptions(utf8validateIncoming=True)

    wp.StreamFactory.protocol = FastStreamProtocol
    wp.StreamFactory.__init__ = __init__  # type: ignore[method-assign]
