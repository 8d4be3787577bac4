"""Serves the AWS emulator (moto) on loopback, one request at a time.

DynamoDB applies every request atomically: a conditional write, a
transaction, an ADD to a counter. moto's own server handles requests on
parallel threads and applies them as separate reads and writes, so two
concurrent transactions can both pass a condition that only one may pass.
Serving one request at a time gives each request the atomicity the real
service has, which is what memnun's exactly-once tests rely on. Each
response closes its connection (HTTP/1.0), so no client holds the server.

Usage: serve.py -H 127.0.0.1 -p PORT
"""

import argparse
import os

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        app,
        threaded=False,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
