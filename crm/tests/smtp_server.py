"""A loopback SMTP server for the tests that fails a chosen phase of the exchange, as a real server can.

``ScriptedSmtpServer(fail_at=…)`` answers like a mail server until the phase it is told to fail:

* ``None``: accepts every message (``messages`` holds each one, as bytes);
* ``"mail"``: drops the connection when MAIL FROM comes (before any message was sent);
* ``"rcpt"``: refuses every recipient with 550;
* ``"end"``: takes the message whole, then refuses it with 451;
* ``"drop"``: takes the message whole, then closes the connection without an answer;
* ``"hang"``: takes the message whole and never answers (the client's timeout ends it).

``received`` holds every message that came whole (the terminating dot seen), whatever the answer:
in the ``drop`` and ``hang`` cases the server has it although the client never heard so.
``not_listening()`` gives a loopback port nothing listens on (a refused connection); ``use_smtp()``
points Django's mail settings at a port.
"""

import socket
import socketserver
import threading

PHASES = (None, "mail", "rcpt", "end", "drop", "hang")


def use_smtp(settings, port, *, timeout=5):
    """Make Django send mail as EMAIL_URL=smtp://127.0.0.1:<port> does (crm/settings.py), with ``timeout``."""
    settings.EMAIL_BACKEND = "crm.mail.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, timeout
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


def not_listening():
    """Return a loopback port that refuses connections: bound once for a free number, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScriptedSmtpServer:
    def __init__(self, fail_at=None):
        if fail_at not in PHASES:
            raise ValueError(f"fail_at must be one of {PHASES}")
        self.fail_at = fail_at
        self.received = []  # every message that came whole
        self.messages = []  # the ones answered 250
        self.lock = threading.Lock()
        server = self

        class Session(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 tandem-test ESMTP")
                while line := self.rfile.readline():
                    verb = line.split(b" ", 1)[0].strip().upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.reply("250-tandem-test\r\n250 8BITMIME")
                    elif verb == b"MAIL":
                        if server.fail_at == "mail":
                            return
                        self.reply("250 2.1.0 OK")
                    elif verb == b"RCPT":
                        self.reply("550 5.1.1 No such user" if server.fail_at == "rcpt" else "250 2.1.5 OK")
                    elif verb == b"DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        if not self.message():
                            return
                    elif verb == b"QUIT":
                        self.reply("221 2.0.0 Bye")
                        return
                    else:  # RSET, NOOP
                        self.reply("250 2.0.0 OK")

            def message(self):
                """Read one message to its terminating dot; answer it as told. Return whether to go on."""
                lines = []
                while (line := self.rfile.readline()) != b".\r\n":
                    if not line:
                        return False
                    lines.append(line)
                with server.lock:
                    server.received.append(b"".join(lines))
                if server.fail_at == "drop":
                    return False
                if server.fail_at == "hang":
                    while self.rfile.readline():  # until the client gives up and closes
                        pass
                    return False
                if server.fail_at == "end":
                    self.reply("451 4.3.0 Try again later")
                    return True
                with server.lock:
                    server.messages.append(b"".join(lines))
                self.reply("250 2.0.0 Queued")
                return True

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = self.server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
