"""A bare Flask "hello" under waitress: the baseline the lesson page is measured against in the same run."""

from __future__ import annotations

import argparse

from flask import Flask
from waitress import serve

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, world!"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="hello")


if __name__ == "__main__":
    main()
