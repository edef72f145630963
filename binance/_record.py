"""``python -m binance record``: write stream messages to gzip JSON lines, one file per hour.

Each message is one line ``{"t": receive_ms, "stream": "<stream name>",
"data": <payload>}`` (``t``: this machine's clock when the message arrived,
in milliseconds since the epoch), in files named
``binance-stream-YYYY-MM-DD-HH.jsonl.gz`` after the UTC hour of ``t``. A
recording replays with ``python -m binance.testing run --replay DIR``.
A file that exists already (a recording resumed within the hour) gets a new
gzip member appended, which gzip readers read as one stream.
"""
import gzip
import json
import os
import sys
import threading
import time
from typing import Any, Callable, List, Optional, TextIO, Tuple

__all__ = ['HourlyWriter', 'file_name', 'run_record']

#: Seconds between flushes of the open file (a crash loses at most this much).
FLUSH_INTERVAL = 1.0


def file_name(t_ms: int) -> str:
    """The file holding messages received at ``t_ms``: its UTC hour."""
    return 'binance-stream-{}.jsonl.gz'.format(time.strftime('%Y-%m-%d-%H',
                                                             time.gmtime(t_ms // 1000)))


class HourlyWriter:
    """Appends ``{"t", "stream", "data"}`` lines to the hour's gzip file in ``directory``.

    :param directory: created when missing.
    :param clock: seconds since the epoch (``time.time``), for the flush timing.
    """

    def __init__(self, directory: str, clock: Callable[[], float] = time.time) -> None:
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.count = 0
        self.files: List[str] = []
        self._clock = clock
        self._name: Optional[str] = None
        self._fh: Any = None
        self._flushed = 0.0
        self._lock = threading.Lock()
        self.closed = False

    def write(self, t_ms: int, stream: str, data: Any) -> None:
        """One message (any thread)."""
        line = json.dumps({'t': t_ms, 'stream': stream, 'data': data},
                          separators=(',', ':')) + '\n'
        with self._lock:
            if self.closed:   # a message that raced the end of the recording
                return
            name = file_name(t_ms)
            if name != self._name:
                self._close()
                path = os.path.join(self.directory, name)
                self._fh = gzip.open(path, 'at', encoding='utf-8')
                self._name = name
                self.files.append(path)
            self._fh.write(line)
            self.count += 1
            now = self._clock()
            if now - self._flushed >= FLUSH_INTERVAL:
                self._fh.flush()
                self._flushed = now

    def _close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self._name = None

    def close(self) -> None:
        """Finish the open file (idempotent)."""
        with self._lock:
            self.closed = True
            self._close()


def stream_manager(local: bool, seed: int, out: TextIO) -> Tuple[Any, Any]:
    """``(exchange, manager)`` of the command line tools: with ``local``, a started
    :class:`~binance.testing.LocalExchange` (its addresses printed to ``out``) and a
    socket manager on its streams; else ``None`` and a manager on Binance's."""
    from binance.client import Client
    from binance.websockets import BinanceSocketManager

    if not local:
        return None, BinanceSocketManager(Client())
    from binance.testing import LocalExchange
    exchange = LocalExchange(seed=seed)
    exchange.start()
    print('local exchange: REST {}  streams {}'.format(exchange.api_url, exchange.stream_url),
          file=out, flush=True)
    bm = BinanceSocketManager(exchange.client())
    bm.STREAM_URL = exchange.stream_url
    return exchange, bm


def run_record(streams: List[str], out_dir: str, local: bool = True,
               duration: Optional[float] = None, seed: int = 0,
               out: TextIO = sys.stdout) -> int:
    """Record ``streams`` into ``out_dir`` for ``duration`` seconds (``None``: until Ctrl-C).

    :returns: the exit status: 0, 130 after Ctrl-C, 1 when the stream gave up.
    """
    from twisted.internet import reactor as _installed
    reactor: Any = _installed

    writer = HourlyWriter(out_dir)
    exchange, bm = stream_manager(local, seed, out)
    failed: List[str] = []
    done = threading.Event()

    def on_message(msg: Any) -> None:
        now = int(time.time() * 1000)
        if isinstance(msg, dict) and msg.get('e') == 'error':
            failed.append(str(msg.get('m')))   # the socket gave up reconnecting
            done.set()
            return
        if not done.is_set() and isinstance(msg, dict) and 'stream' in msg:
            writer.write(now, msg['stream'], msg.get('data'))

    status = 0
    print('recording {} to {}{}'.format(', '.join(streams), out_dir,
                                        '' if duration is None else ' for {} s'.format(duration)),
          file=out, flush=True)
    try:
        bm.start_multiplex_socket(streams, on_message)
        bm.start()
        done.wait(duration)
        if failed:
            print('error: the stream stopped: {}'.format(failed[0]), file=sys.stderr)
            status = 1
    except KeyboardInterrupt:
        status = 130
    finally:
        done.set()
        bm.close()
        if exchange is not None:
            exchange.stop()
        reactor.callFromThread(reactor.stop)
        writer.close()
        print('wrote {} messages to {} ({} file{})'.format(
            writer.count, out_dir, len(set(writer.files)),
            '' if len(set(writer.files)) == 1 else 's'), file=out, flush=True)
    return status
