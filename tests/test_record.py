"""`python -m binance record`: hourly gzip JSON lines of stream messages."""
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from binance._record import HourlyWriter, file_name
from tests.support import ctrl_c, wait_until

ROOT = Path(__file__).resolve().parents[1]
HOUR_MS = 3600 * 1000
T0 = 1767225600000          # 2026-01-01 00:00:00 UTC


def _lines(directory):
    rows = []
    for name in sorted(os.listdir(directory)):
        with gzip.open(os.path.join(directory, name), 'rt', encoding='utf-8') as fh:
            rows.extend(json.loads(line) for line in fh)
    return rows


def test_writer_rotates_per_utc_hour(tmp_path):
    """Messages go to the file of their receive time's UTC hour, one JSON line each."""
    writer = HourlyWriter(str(tmp_path / 'rec'))
    writer.write(T0 + 5, 'bnbbtc@trade', {'e': 'trade', 'p': '1'})
    writer.write(T0 + HOUR_MS - 1, 'bnbbtc@trade', {'e': 'trade', 'p': '2'})
    writer.write(T0 + HOUR_MS, 'bnbbtc@depth', {'e': 'depthUpdate'})
    writer.close()
    assert sorted(os.listdir(str(tmp_path / 'rec'))) == [
        'binance-stream-2026-01-01-00.jsonl.gz', 'binance-stream-2026-01-01-01.jsonl.gz']
    assert _lines(str(tmp_path / 'rec')) == [
        {'t': T0 + 5, 'stream': 'bnbbtc@trade', 'data': {'e': 'trade', 'p': '1'}},
        {'t': T0 + HOUR_MS - 1, 'stream': 'bnbbtc@trade', 'data': {'e': 'trade', 'p': '2'}},
        {'t': T0 + HOUR_MS, 'stream': 'bnbbtc@depth', 'data': {'e': 'depthUpdate'}}]
    assert writer.count == 3
    writer.write(T0 + 7, 'late', {})           # after close: dropped, no file reopened
    assert writer.count == 3


def test_resumed_hour_appends_a_readable_member(tmp_path):
    """Recording again within the hour appends to that hour's file; it reads as one stream."""
    for p in ('1', '2'):
        writer = HourlyWriter(str(tmp_path))
        writer.write(T0 + int(p), 's@trade', {'p': p})
        writer.close()
    assert [row['data']['p'] for row in _lines(str(tmp_path))] == ['1', '2']
    assert file_name(T0) == 'binance-stream-2026-01-01-00.jsonl.gz'


def test_record_cli_writes_what_it_receives_from_the_local_exchange(tmp_path):
    """record --local --duration: every line is {t, stream, data}; the count it prints is the lines'."""
    out = tmp_path / 'rec'
    proc = subprocess.run(
        [sys.executable, '-m', 'binance', 'record', 'bnbbtc@trade', 'bnbbtc@depth@100ms',
         '--out', str(out), '--duration', '1'],
        cwd=str(ROOT), capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    rows = _lines(str(out))
    assert rows, proc.stdout
    assert 'wrote {} messages to {}'.format(len(rows), out) in proc.stdout
    assert {row['stream'] for row in rows} == {'bnbbtc@trade', 'bnbbtc@depth@100ms'}
    times = [row['t'] for row in rows]
    assert times == sorted(times)
    for row in rows:
        assert set(row) == {'t', 'stream', 'data'}
        expected = 'trade' if row['stream'].endswith('@trade') else 'depthUpdate'
        assert row['data']['e'] == expected and row['data']['s'] == 'BNBBTC'
        assert row['t'] >= row['data']['E']         # received after the exchange sent it


def test_record_cli_reports_its_count_on_ctrl_c(tmp_path):
    """Ctrl-C ends the recording with status 130, the file complete and the count printed."""
    out = tmp_path / 'rec'
    proc = subprocess.Popen(
        [sys.executable, '-m', 'binance', 'record', 'bnbbtc@trade', '--out', str(out)],
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = ctrl_c(proc, lambda: wait_until(
        lambda: out.exists() and os.listdir(str(out)), 60, interval=0.05, message='the first file'))
    assert proc.returncode == 130, stderr
    rows = _lines(str(out))
    assert 'wrote {} messages'.format(len(rows)) in stdout


def test_record_cli_refuses_bad_arguments_before_connecting(tmp_path):
    """A malformed stream name, a missing --out or a non-positive --duration exit 2."""
    def run(*args):
        return subprocess.run([sys.executable, '-m', 'binance', 'record'] + list(args),
                              cwd=str(ROOT), capture_output=True, text=True, timeout=60)
    bad_name = run('BNBBTC@trade', '--out', str(tmp_path))
    assert bad_name.returncode == 2 and 'BNBBTC@trade' in bad_name.stderr
    no_out = run('bnbbtc@trade')
    assert no_out.returncode == 2 and '--out' in no_out.stderr
    bad_duration = run('bnbbtc@trade', '--out', str(tmp_path), '--duration', '0')
    assert bad_duration.returncode == 2 and '--duration' in bad_duration.stderr
    assert os.listdir(str(tmp_path)) == []
