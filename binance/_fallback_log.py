"""What a user must see when the application configured no logging at all.

The package logs through ``logging.getLogger('binance....')`` and adds a
``NullHandler`` to ``binance`` (the requests habit), which also stops
Python's "last resort" handler. Left at that, a callback that raises would
print nothing. :class:`FallbackHandler`, on the ``binance`` logger, writes a
record to ``sys.stderr`` (message and traceback) only when

* it is an ERROR or worse (a callback's exception, a stream that gave up, a
  refused subscription) or was logged with ``extra={'binance_stderr': True}``
  (a warning the user must see, such as an unknown symbol), and
* no handler other than ``NullHandler`` would receive it: neither on its
  logger's chain up to the root, nor on the root. Once the application
  configures logging (``logging.basicConfig()``, a handler anywhere on the
  chain), the records go only to its handlers.
"""
import logging
import sys

__all__ = ['FallbackHandler', 'install']

#: ``extra`` key that makes a WARNING reach stderr like an error.
SHOW = 'binance_stderr'


class FallbackHandler(logging.Handler):
    """Writes must-see records to ``sys.stderr`` when logging is not configured."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(logging.Formatter('binance: %(levelname)s: %(message)s'))

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.ERROR and not getattr(record, SHOW, False):
            return
        if _logging_configured(record.name):
            return
        try:
            stream = sys.stderr
            if stream is None:  # pythonw: nowhere to write
                return
            stream.write(self.format(record) + '\n')
            stream.flush()
        except Exception:
            self.handleError(record)


def _logging_configured(name: str) -> bool:
    """True when a real handler sits on ``name``'s chain of loggers or on the root."""
    logger = logging.getLogger(name)
    while logger is not None:
        for handler in logger.handlers:
            if not isinstance(handler, (logging.NullHandler, FallbackHandler)):
                return True
        if not logger.propagate:
            return False
        logger = logger.parent  # type: ignore[assignment]
    return False


def install(logger_name: str = 'binance') -> None:
    """Add the fallback handler to ``logger_name`` once."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(h, FallbackHandler) for h in logger.handlers):
        logger.addHandler(FallbackHandler())
