"""Command line: watch Binance streams in the terminal.

::

    python -m binance stream bnbbtc@trade ethbtc@kline_1m --local --count 20
    python -m binance record btcusdt@trade btcusdt@depth@100ms --out rec/ --duration 3600

``--local`` (the default) starts the package's own local exchange
(:mod:`binance.testing`) first, so the command works with no internet;
``--live`` connects to Binance instead. Each message is printed on one line.
``record`` writes them to hourly gzip JSON-lines files instead
(:mod:`binance._record`).
"""
import argparse
import json
import signal
import sys
import threading
from typing import Any, Callable, List, Optional, Sequence, TextIO


def _fmt_trade(d: dict) -> str:
    side = 'sell' if d.get('m') else 'buy '
    return '{s} trade {side} price={p} qty={q} id={t}'.format(side=side, **_defaults(d, 's', 'p', 'q', 't'))


def _fmt_agg(d: dict) -> str:
    side = 'sell' if d.get('m') else 'buy '
    return '{s} aggTrade {side} price={p} qty={q} id={a}'.format(side=side, **_defaults(d, 's', 'p', 'q', 'a'))


def _fmt_kline(d: dict) -> str:
    k = d.get('k', {})
    state = 'closed' if k.get('x') else 'open'
    return '{} kline {} {} o={} h={} l={} c={} v={}'.format(
        d.get('s'), k.get('i'), state, k.get('o'), k.get('h'), k.get('l'), k.get('c'), k.get('v'))


def _fmt_depth_update(d: dict) -> str:
    return '{} depth U={} u={} bids={} asks={}'.format(
        d.get('s'), d.get('U'), d.get('u'), _levels(d.get('b', [])), _levels(d.get('a', [])))


def _fmt_ticker(d: dict) -> str:
    return '{s} 24h last={c} change={P}% high={h} low={l} volume={v}'.format(
        **_defaults(d, 's', 'c', 'P', 'h', 'l', 'v'))


def _fmt_mini(d: dict) -> str:
    return '{s} mini last={c} open={o} high={h} low={l} volume={v}'.format(
        **_defaults(d, 's', 'c', 'o', 'h', 'l', 'v'))


_FORMATTERS = {
    'trade': _fmt_trade,
    'aggTrade': _fmt_agg,
    'kline': _fmt_kline,
    'depthUpdate': _fmt_depth_update,
    '24hrTicker': _fmt_ticker,
    '24hrMiniTicker': _fmt_mini,
}


def _defaults(d: dict, *keys: str) -> dict:
    return {k: d.get(k, '?') for k in keys}


def _levels(levels: Sequence[Sequence[str]], n: int = 3) -> str:
    shown = ' '.join('{}x{}'.format(p, q) for p, q in levels[:n])
    more = len(levels) - n
    return '[{}{}]'.format(shown, ' +{}'.format(more) if more > 0 else '')


def format_message(msg: Any) -> str:
    """One readable line for a stream message (combined-stream envelopes too)."""
    prefix = ''
    if isinstance(msg, dict) and 'stream' in msg and 'data' in msg:
        prefix = msg['stream'] + '  '
        msg = msg['data']
    if isinstance(msg, list):
        lines = [format_message(item) for item in msg[:3]]
        more = ' (+{} more)'.format(len(msg) - 3) if len(msg) > 3 else ''
        return prefix + ' | '.join(lines) + more
    if not isinstance(msg, dict):
        return prefix + json.dumps(msg)
    event = msg.get('e')
    if event == 'error':
        return prefix + 'ERROR: {}'.format(msg.get('m'))
    fmt = _FORMATTERS.get(str(event))
    if fmt is not None:
        return prefix + fmt(msg)
    if 'lastUpdateId' in msg:  # partial book
        return prefix + 'book id={} bids={} asks={}'.format(
            msg['lastUpdateId'], _levels(msg.get('bids', [])), _levels(msg.get('asks', [])))
    if 'b' in msg and 'B' in msg and 'u' in msg:  # book ticker
        return prefix + '{} best bid={}x{} ask={}x{}'.format(msg.get('s'), msg['b'], msg['B'], msg.get('a'), msg.get('A'))
    text = json.dumps(msg, separators=(',', ':'))
    return prefix + (text if len(text) <= 200 else text[:197] + '...')


def _add_source(parser: Any, local: str, live: str) -> None:
    """``--local`` (the default) or ``--live``, stored as ``args.local``."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument('--local', dest='local', action='store_true', default=True, help=local)
    where.add_argument('--live', dest='local', action='store_false', help=live)


def _record_parser(sub: Any) -> None:
    record = sub.add_parser(
        'record', help='write stream messages to gzip JSON lines, one file per hour',
        description='Write every message of the streams, with its receive time, to '
                    'DIR/binance-stream-YYYY-MM-DD-HH.jsonl.gz (one JSON line each: '
                    '{"t": receive_ms, "stream": name, "data": payload}).')
    record.add_argument('streams', nargs='+', metavar='STREAM',
                        help='stream names such as btcusdt@trade, btcusdt@depth@100ms')
    record.add_argument('--out', required=True, metavar='DIR',
                        help='directory of the recording (created when missing)')
    _add_source(record, local='record the embedded local exchange (default; no internet needed)',
                live="record Binance's stream servers")
    record.add_argument('--duration', type=float, default=None, metavar='SECONDS',
                        help='stop after SECONDS (default: run until Ctrl-C)')
    record.add_argument('--seed', type=int, default=0, help='seed of the local market (with --local)')


def _parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python -m binance', description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    stream = sub.add_parser('stream', help='print stream messages as they arrive',
                            description='Print Binance stream messages, one line each.')
    stream.add_argument('streams', nargs='+', metavar='STREAM',
                        help='stream names such as bnbbtc@trade, ethbtc@kline_1m, bnbbtc@depth5')
    _add_source(stream, local='run against the embedded local exchange (default; no internet '
                              'needed)',
                live='connect to the real Binance stream servers')
    stream.add_argument('--count', type=int, default=None, metavar='N',
                        help='exit after N messages (default: run until Ctrl-C)')
    stream.add_argument('--timeout', type=float, default=None, metavar='SECONDS',
                        help='exit with status 1 if --count messages have not arrived by then')
    stream.add_argument('--seed', type=int, default=0, help='seed of the local market (with --local)')
    stream.add_argument('--raw', action='store_true', help='print the JSON as received')
    _record_parser(sub)
    args = parser.parse_args(argv)
    if args.command == 'record' and args.duration is not None and not args.duration > 0:
        parser.error('--duration must be a positive number of seconds, got {}'.format(
            args.duration))
    if args.command == 'stream' and args.count is not None and args.count < 1:
        parser.error('--count must be at least 1, got {}'.format(args.count))
    from binance._streams.checks import check_stream_names
    try:  # before anything starts (the local exchange, a connection)
        check_stream_names(args.streams)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def run_stream(streams: List[str], local: bool = True, count: Optional[int] = None,
               timeout: Optional[float] = None, seed: int = 0, raw: bool = False,
               out: TextIO = sys.stdout) -> int:
    """Print messages of ``streams`` until ``count`` arrived; returns the exit status."""
    from twisted.internet import reactor as _installed
    reactor: Any = _installed

    from binance._record import stream_manager
    exchange, bm = stream_manager(local, seed, out)

    received = [0]
    failed: List[str] = []
    done = threading.Event()
    lock = threading.Lock()
    render: Callable[[Any], str] = (lambda m: json.dumps(m, separators=(',', ':'))) if raw else format_message

    def on_message(msg: Any) -> None:
        with lock:
            if done.is_set():
                return
            if isinstance(msg, dict) and msg.get('e') == 'error':
                # the socket gave up reconnecting: nothing more will arrive
                failed.append(str(msg.get('m')))
                done.set()
                return
            received[0] += 1
            print(render(msg), file=out, flush=True)
            if count is not None and received[0] >= count:
                done.set()

    status = 0
    try:
        # one combined connection for all streams; each line names its stream
        bm.start_multiplex_socket(streams, on_message)
        bm.start()
        if not done.wait(timeout):
            if count is not None:
                print('timed out after {} s with {} of {} messages'.format(timeout, received[0], count),
                      file=sys.stderr)
                status = 1
        elif failed:
            print('error: the stream stopped: {}'.format(failed[0]), file=sys.stderr)
            status = 1
    except KeyboardInterrupt:
        status = 130  # what a shell reports for a Python program ended by Ctrl-C
    except ValueError as exc:  # a malformed stream name, reported before connecting
        print('error: {}'.format(exc), file=sys.stderr)
        status = 2
    finally:
        bm.close()
        if exchange is not None:
            exchange.stop()
        reactor.callFromThread(reactor.stop)
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.command == 'record':
        from binance._record import run_record
        return run_record(args.streams, args.out, local=args.local, duration=args.duration,
                          seed=args.seed)
    return run_stream(args.streams, local=args.local, count=args.count, timeout=args.timeout,
                      seed=args.seed, raw=args.raw)


if __name__ == '__main__':
    sys.exit(main())
