"""Run the local exchange in the foreground: ``python -m binance.testing``.

::

    python -m binance.testing [--port-rest N] [--port-streams N] [--tls] [--seed N]
                              [--tick SECONDS] [--listen-keys] [--symbols N]
    python -m binance.testing run [--tls] [--seed N] [--tick SECONDS] [--listen-keys]
                                  [--symbols N] [--api-key KEY --api-secret SECRET]
                                  [--mirror [--upstream URL]] [--report FILE.json]
                                  [--plot FILE.png] [--replay PATH ...] [--speed X]
                                  SCRIPT [ARGS...]

The first form runs the reactor in the main thread, prints the URLs and a
one-line example of pointing a script at the exchange; Ctrl-C stops it.

``run`` runs an unmodified script against a fresh local exchange
(:func:`binance.testing.offline.run_offline`) until the script's natural
end, e.g. its callback's ``reactor.stop()``; the exit status is the
script's (130 after Ctrl-C). ``--mirror`` follows an upstream exchange's
market (paper trading, :mod:`binance.testing.mirror`). When the run ends
the report (:mod:`binance.testing.report`) is printed to stderr if the
script placed orders (always with ``--mirror``, ``--report`` or ``--plot``).
"""
import argparse
import sys
import threading
from typing import Any, Dict, List, Optional

from binance.testing.market_base import MAX_GENERATED_SYMBOLS, check_symbol_count

__all__ = ['main']


def _symbols_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--symbols', type=int, default=None, metavar='N',
                        help='trade N symbols: BNBBTC, ETHBTC, BTCUSDT, NEOBTC, LTCBTC, then '
                             'SIM0001USDT, SIM0002USDT ... (default: those five; at most {})'
                             .format(MAX_GENERATED_SYMBOLS))


def _listen_keys_option(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--listen-keys', dest='listen_keys', action='store_true', default=False,
                       help='serve the Spot listen-key endpoints (/api/v3/userDataStream), which '
                            'binance.com retired on 2026-02-20 (default: answer them with HTTP '
                            '410 Gone, as binance.com does)')
    group.add_argument('--no-listen-keys', dest='listen_keys', action='store_false',
                       help=argparse.SUPPRESS)  # the default since 0.8; still accepted


def _check_symbols(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.symbols is not None:
        try:
            check_symbol_count(args.symbols)
        except ValueError as exc:
            parser.error('--{}'.format(exc))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m binance.testing',
        description='Run a local Binance-compatible exchange (REST + WebSocket streams) '
                    'on 127.0.0.1 until Ctrl-C.')
    parser.add_argument('--port-rest', type=int, default=0, metavar='N',
                        help='REST port (default: a free one)')
    parser.add_argument('--port-streams', type=int, default=0, metavar='N',
                        help='WebSocket port for streams and the WebSocket API '
                             '(default: a free one)')
    parser.add_argument('--tls', action='store_true',
                        help='serve https:// and wss:// with a generated CA (its file is printed)')
    parser.add_argument('--seed', type=int, default=0, metavar='N',
                        help='seed of the simulated market (default 0)')
    parser.add_argument('--tick', type=float, default=0.1, metavar='SECONDS',
                        help='seconds between market steps (default 0.1; 0 freezes the market)')
    _listen_keys_option(parser)
    _symbols_option(parser)
    return parser


def banner(exchange: Any) -> str:
    """The text printed once the exchange listens."""
    lines = [
        'Local Binance exchange (seed {}) -- Ctrl-C to stop'.format(exchange.seed),
        '  REST:          {}'.format(exchange.api_url),
        '  Streams:       {}'.format(exchange.stream_url),
        '  WebSocket API: {}'.format(exchange.ws_api_url),
        '  USD-M REST:    {}'.format(exchange.futures_api_url),
        '  USD-M streams: {} (routes public/, market/, private/)'.format(exchange.fstream_url),
        '  COIN-M REST:   {}'.format(exchange.coin_futures_api_url),
        '  COIN-M streams: {}'.format(exchange.dstream_url),
        '  API key:       {}'.format(exchange.api_key),
        '  API secret:    {} (a local test secret)'.format(exchange.api_secret),
    ]
    verify = ''
    if exchange.ca_file:
        lines.append('  CA file:       {}'.format(exchange.ca_file))
        verify = ", requests_params={{'verify': {!r}}}".format(exchange.ca_file)
    lines += [
        'Point a script at it:',
        '  python -c "from binance.client import Client; c = Client({!r}, {!r}{}); '
        'c.API_URL = {!r}; print(c.get_order_book(symbol=\'BNBBTC\', limit=5))"'.format(
            exchange.api_key, exchange.api_secret, verify, exchange.api_url),
        '  (sockets: BinanceSocketManager.STREAM_URL = {!r})'.format(exchange.stream_url),
    ]
    return '\n'.join(lines)


def _run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m binance.testing run',
        description='Run an unmodified script against a local exchange until it ends '
                    '(e.g. with reactor.stop()).')
    parser.add_argument('--tls', action='store_true', help='serve https:// and wss://')
    parser.add_argument('--seed', type=int, default=0, metavar='N',
                        help='seed of the simulated market (default 0)')
    parser.add_argument('--tick', type=float, default=0.1, metavar='SECONDS',
                        help='seconds between market steps (default 0.1; 0 freezes the market)')
    _listen_keys_option(parser)
    _symbols_option(parser)
    parser.add_argument('--api-key', metavar='KEY', default=None,
                        help="make the script's own API key the local exchange's default "
                             "account (with --api-secret; default: 'local-api-key')")
    parser.add_argument('--api-secret', metavar='SECRET', default=None,
                        help='the HMAC secret of --api-key (default: \'local-api-secret\')')
    paper = parser.add_argument_group('paper trading and the report')
    paper.add_argument('--mirror', action='store_true',
                       help="paper trading on live prices: follow the upstream's market "
                            '(Binance by default) and match the orders locally')
    paper.add_argument('--upstream', metavar='URL', default=None,
                       help="with --mirror: the upstream as 'API_URL,STREAM_URL', e.g. another "
                            "local exchange's 'http://127.0.0.1:P/api,ws://127.0.0.1:Q/' "
                            '(default: Binance)')
    paper.add_argument('--report', metavar='FILE.json', default=None,
                       help='write the end-of-run report (orders, fills, fees, PnL, balances, '
                            'drawdown) as JSON')
    paper.add_argument('--plot', metavar='FILE.png', default=None,
                       help="draw the equity curve and the fills over the price (needs "
                            "pip install 'binance[plot]')")
    _replay_options(parser)
    parser.add_argument('script', help='the Python script to run')
    parser.add_argument('args', nargs=argparse.REMAINDER, help="the script's arguments")
    return parser


def _paper_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Dict[str, Any]:
    """``--mirror``/``--upstream``/``--plot`` checked before anything starts."""
    if args.upstream is not None and not args.mirror:
        parser.error('--upstream is for --mirror (paper trading on the upstream\'s prices)')
    if args.plot is not None:
        from binance.testing.report_run import check_plot_available
        try:
            check_plot_available()
        except RuntimeError as exc:
            parser.error(str(exc))
    if not args.mirror:
        return {}
    from binance.testing.mirror import parse_upstream
    try:
        parse_upstream(args.upstream)
    except ValueError as exc:
        parser.error('--upstream: {}'.format(exc))
    return {'mirror': True, 'upstream': args.upstream}


def _replay_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--replay', action='append', default=None, metavar='PATH',
                        help='replay a data.binance.vision file (zip or csv of trades, aggTrades, '
                             'klines or bookTicker, spot or USD-M futures), a directory of them or '
                             'a recording instead of '
                             'simulating; repeat for more (symbols and kinds merge in time order)')
    parser.add_argument('--speed', type=float, default=None, metavar='X',
                        help='replay seconds per second: 1 real time, 60 a minute per second, '
                             '0 (default) lockstep: the next event only once the script\'s '
                             'callbacks returned')


def _replay_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict:
    if args.replay is None:
        if args.speed is not None:
            parser.error('--speed is the pace of a replay; give --replay PATH with it')
        return {}
    speed = 0.0 if args.speed is None else args.speed
    if not speed >= 0 or speed == float('inf'):
        parser.error('--speed must be a number >= 0 (0 = lockstep), got {}'.format(args.speed))
    return {'replay': args.replay, 'speed': speed}


def run_script(argv: List[str]) -> int:
    """``python -m binance.testing run ...``; returns the exit status."""
    parser = _run_parser()
    args = parser.parse_args(argv)
    if args.tick < 0:
        parser.error('--tick must be >= 0')
    _check_symbols(parser, args)
    if (args.api_key is None) != (args.api_secret is None):
        parser.error('--api-key and --api-secret go together (the secret signs the requests)')
    account = {} if args.api_key is None else {'api_key': args.api_key,
                                               'api_secret': args.api_secret}
    account.update(_paper_options(parser, args))
    account.update(_replay_arguments(parser, args))
    from binance.testing.offline import run_offline
    from binance.testing.report_run import RunReport
    report = RunReport(args.report, args.plot, always=bool(args.mirror or args.report
                                                            or args.plot))
    try:
        return run_offline(args.script, args.args, seed=args.seed, tls=args.tls,
                           tick=args.tick or None, listen_keys=args.listen_keys,
                           symbols=args.symbols, report=report, **account)
    except ValueError as exc:
        print('error: {}'.format(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130  # what a shell reports for a Python program ended by Ctrl-C


def main(argv: Optional[List[str]] = None) -> int:
    """Parse ``argv``, run the exchange until Ctrl-C; returns the exit status."""
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ['run']:
        return run_script(argv[1:])
    args = _parser().parse_args(argv)
    for name in ('port_rest', 'port_streams'):
        if not 0 <= getattr(args, name) <= 65535:
            _parser().error('--{} must be between 0 and 65535'.format(name.replace('_', '-')))
    if args.tick < 0:
        _parser().error('--tick must be >= 0')
    _check_symbols(_parser(), args)
    from twisted.internet import reactor as _installed
    reactor: Any = _installed

    from binance import _reactor
    from binance.testing import LocalExchange

    exchange = LocalExchange(args.seed, tls=args.tls, tick=args.tick or None,
                             listen_keys=args.listen_keys, symbols=args.symbols)
    if not _reactor.claim(threading.current_thread()):
        print('the Twisted reactor is already running in this process', file=sys.stderr)
        return 1
    status = [0]

    def start() -> None:
        try:
            exchange.start(rest_port=args.port_rest, stream_port=args.port_streams)
        except Exception as exc:  # e.g. a port in use
            print('cannot start the local exchange: {}'.format(exc), file=sys.stderr)
            status[0] = 1
            reactor.stop()
            return
        print(banner(exchange), flush=True)

    reactor.callWhenRunning(start)
    reactor.run()  # with signal handlers: Ctrl-C stops the reactor
    return status[0]


if __name__ == '__main__':
    sys.exit(main())
