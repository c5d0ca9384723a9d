"""Local fake servers for the channels: a WeCom group robot webhook and an SMS provider that
drops a message id it has already seen (as real providers do with an out_id)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeServer:
    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[dict] = []  # returned in order; afterwards the default
        self.default: dict = {"errcode": 0, "errmsg": "ok"}
        self.seen_ids: set[str] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                query = parse_qs(urlparse(self.path).query)
                out_id = body.get("out_id")
                duplicate = out_id is not None and out_id in server.seen_ids
                if out_id is not None:
                    server.seen_ids.add(out_id)
                if not duplicate:
                    server.requests.append({"query": query, "body": body})
                answer = server.answers.pop(0) if server.answers else server.default
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/send"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
