"""A local Slack-compatible webhook receiver for the tests: records every post, answers a chosen status."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """Listen on 127.0.0.1 on a free port in a thread; ``posts`` holds (path, JSON body, arrival time)."""

    def __init__(self, status=200):
        self.status = status
        self.posts = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(receiver.status)
                self.end_headers()
                with receiver.arrived:
                    receiver.posts.append((self.path, json.loads(body or b"null"), time.time()))
                    receiver.arrived.notify_all()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def texts(self, path=None):
        return [body["text"] for got, body, _ in self.posts if path is None or got == path]

    def wait_for(self, count, timeout=30):
        """Block until ``count`` posts arrived (or the timeout passed); return the posts."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.posts) >= count, timeout=timeout)
        return list(self.posts)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
