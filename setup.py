import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, 'binance', '__init__.py'), encoding='utf-8') as f:
    VERSION = re.search(r"__version__ = '([^']+)'", f.read()).group(1)

with open(os.path.join(HERE, 'README.rst'), encoding='utf-8') as f:
    LONG_DESCRIPTION = f.read()

setup(
    name='binance',
    version=VERSION,
    description='Binance REST and websocket client with the API of the Twisted-era python-binance',
    long_description=LONG_DESCRIPTION,
    long_description_content_type='text/x-rst',
    license='MIT',
    packages=find_packages(include=['binance', 'binance.*']),
    package_data={'binance': ['py.typed']},
    python_requires='>=3.9',
    install_requires=[
        'twisted>=22.10',
        'autobahn>=22.7',
        'pyOpenSSL>=22.0',
        'service_identity>=21.1',
        'requests>=2.25',
        'dateparser>=1.1',
        'certifi',
        'cryptography>=38',  # Ed25519 and RSA API keys (binance/_keys.py)
    ],
    extras_require={
        'fast': ['orjson>=3.6'],
        'plot': ['matplotlib>=3.3'],   # python -m binance.testing run --plot FILE.png
        'test': [
            'pytest>=7',
            'pytest-timeout>=2.1',
            'pytest-xdist>=3.0',     # the README's test command runs the suite in 2 processes
            'pytest-twisted>=1.14',  # the plugin's fixtures are tested under it (tests/test_pytest_plugin.py)
            'hypothesis>=6.50',
            'cryptography>=38',
            'orjson>=3.6',
            'docutils>=0.18',  # tests/test_docs.py renders the Japanese pages' line joining
            'mypy>=1.0',       # .ci/run type-checks the package (config in setup.cfg)
            'matplotlib>=3.3',  # the [plot] extra's --plot is tested (tests/test_paper_cli.py)
        ],
        'docs': ['sphinx>=6'],
    },
    entry_points={
        'console_scripts': ['binance-local-exchange=binance.testing.__main__:main'],
        'pytest11': ['binance = binance._pytest_plugin'],
    },
    classifiers=[
        'Development Status :: 4 - Beta',
        'Framework :: Twisted',
        'Intended Audience :: Developers',
        'License :: OSI Approved :: MIT License',
        'Programming Language :: Python :: 3',
        'Topic :: Office/Business :: Financial :: Investment',
    ],
)
