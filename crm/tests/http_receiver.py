"""A loopback HTTP receiver for the tests: records each POST and answers it, or fails it, as told.

``Receiver(status=…, location=…, answer=…)``: with ``answer="status"`` (the default) it answers
``status`` (with a Location header when ``location`` is set); with ``"drop"`` it reads the whole
request and closes the connection without answering; with ``"hang"`` it reads the whole request
and never answers, until the client gives up or the receiver is closed. ``requests`` holds
(path, headers, body) of every request that came whole, GETs too (a client following a redirect).
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWERS = ("status", "drop", "hang")


class Receiver:
    def __init__(self, status=200, location="", answer="status"):
        if answer not in ANSWERS:
            raise ValueError(f"answer must be one of {ANSWERS}")
        self.status, self.location, self.answer, self.requests = status, location, answer, []
        self.closing = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append((self.path, dict(self.headers), body))
                if receiver.answer == "hang":
                    receiver.closing.wait()
                if receiver.answer != "status":
                    self.close_connection = True
                    return
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.end_headers()
                self.wfile.write(b"received")

            do_GET = do_POST  # a client following a redirect turns the POST into a GET: record it too

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
