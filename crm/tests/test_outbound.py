"""crm.outbound: only http(s) to public hosts, the connection pinned to the checked address, no redirects."""

import socket
import ssl
import threading

import pytest

from crm import outbound
from crm.delivery import MayHaveArrived
from crm.tests.http_receiver import Receiver
from crm.tests.smtp_server import not_listening

PUBLIC = "93.184.215.14"


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def answers(port, *addresses):
    return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]


def resolver(monkeypatch, *rounds):
    """Make getaddrinfo give each of ``rounds`` in turn (the last one from then on); return the calls."""
    calls = []

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        return answers(port, *rounds[min(len(calls), len(rounds)) - 1])

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "::1",
        "10.1.2.3",  # private
        "172.16.5.4",
        "192.168.0.10",
        "fd00::1",
        "169.254.169.254",  # link-local (cloud metadata)
        "fe80::1%eth0",
        "224.0.0.1",  # multicast
        "ff02::1",
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "0.0.0.0",  # unspecified
        "::",
        "100.64.0.1",  # shared (carrier-grade NAT)
        "192.0.2.1",  # documentation
        "::ffff:8.8.8.8",  # IPv4-mapped, even of a public address
        "::ffff:127.0.0.1",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    ],
)
def test_every_refused_address_class_is_refused(address, monkeypatch):
    assert not outbound.public_address(address)
    resolver(monkeypatch, [PUBLIC, address])
    with pytest.raises(outbound.PrivateAddress, match="public hosts only"):
        outbound.check_public_url("https://hooks.example.com/x", allow_private=False)


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "2002:5db8:d70e::1"])
def test_public_addresses_are_accepted(address, monkeypatch):
    assert outbound.public_address(address)
    resolver(monkeypatch, [address])
    target = outbound.check_public_url("https://hooks.example.com:8443/x?y=1", allow_private=False)
    assert (target.host, target.port, target.path, target.address) == ("hooks.example.com", 8443, "/x?y=1", address)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "file:///etc/passwd",
        "http:///x",
        "https://u:p@hooks.example.com/",
        "http://h:99999/",
    ],
)
def test_only_http_and_https_to_a_host_without_credentials(url):
    with pytest.raises(outbound.Refused):
        outbound.check_public_url(url, allow_private=True)


def test_allow_private_lifts_the_address_rule_only():
    target = outbound.check_public_url("http://127.0.0.1:9/hook", allow_private=True)
    assert target.address == "127.0.0.1"
    with pytest.raises(outbound.Refused):
        outbound.check_public_url("http://127.0.0.1:9/hook", allow_private=False)


def test_a_dns_answer_turning_private_after_the_check_is_never_connected_to(receiver, monkeypatch):
    # The first answer is public, every later one is the local receiver: a client that resolves
    # again when it connects would post to 127.0.0.1.
    calls = resolver(monkeypatch, [PUBLIC], ["127.0.0.1"])
    connected = []
    real_create_connection = socket.create_connection

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        if address[0] == PUBLIC:
            raise ConnectionRefusedError("no network in the tests")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(outbound.Unreachable):
        outbound.post_json(f"http://rebind.example.com:{receiver.port}/", {"a": 1}, timeout=5, allow_private=False)
    assert calls == ["rebind.example.com"]  # resolved once
    assert connected == [(PUBLIC, receiver.port)]
    assert receiver.requests == []


def test_a_host_now_resolving_to_a_private_address_is_refused_before_connecting(monkeypatch):
    resolver(monkeypatch, [PUBLIC], ["10.0.0.7"])
    outbound.check_public_url("https://hooks.example.com/", allow_private=False)  # saved while public
    monkeypatch.setattr(socket, "create_connection", pytest.fail)
    with pytest.raises(outbound.Refused):
        outbound.post_json("https://hooks.example.com/", b"{}", timeout=5, allow_private=False)


def test_the_post_goes_to_the_checked_address_with_the_host_name_in_the_host_header(receiver, monkeypatch):
    resolver(monkeypatch, ["127.0.0.1"])
    answer = outbound.post_json(
        f"http://hooks.example.com:{receiver.port}/in?x=1",
        {"text": "hello"},
        headers={"X-Test": "yes"},
        timeout=5,
        allow_private=True,
    )
    assert (answer.status, answer.excerpt) == (200, "received")
    [(path, headers, body)] = receiver.requests
    assert (path, body) == ("/in?x=1", b'{"text": "hello"}')
    assert headers["Host"] == f"hooks.example.com:{receiver.port}"
    assert (headers["Content-Type"], headers["X-Test"]) == ("application/json", "yes")


def test_a_redirect_is_returned_not_followed(receiver):
    receiver.status, receiver.location = 302, f"http://127.0.0.1:{receiver.port}/elsewhere"
    answer = outbound.post_json(f"http://127.0.0.1:{receiver.port}/hook", b"{}", timeout=5, allow_private=True)
    assert answer.status == 302
    assert [path for path, _, _ in receiver.requests] == ["/hook"]


def test_https_connects_to_the_checked_address_with_sni_and_certificate_check_for_the_host_name(monkeypatch):
    resolver(monkeypatch, [PUBLIC])
    target = outbound.check_public_url("https://hooks.example.com/x", allow_private=False)
    connection = outbound.connection(target, timeout=5)
    assert isinstance(connection, outbound.PinnedHTTPSConnection)
    assert connection._context.check_hostname and connection._context.verify_mode == ssl.CERT_REQUIRED
    opened, wrapped = [], []
    monkeypatch.setattr(socket, "create_connection", lambda address, *args: opened.append(address) or "raw socket")

    class Context:
        def wrap_socket(self, sock, server_hostname):
            wrapped.append((sock, server_hostname))
            return "tls socket"

    connection._context = Context()
    connection.connect()
    assert opened == [(PUBLIC, 443)]
    assert wrapped == [("raw socket", "hooks.example.com")]
    assert connection.sock == "tls socket"


@pytest.mark.parametrize("answer", ["drop", "hang"])
def test_a_request_sent_whole_whose_answer_is_lost_may_have_arrived(answer):
    with Receiver(answer=answer) as receiver:
        with pytest.raises(outbound.NoAnswer) as failed:
            outbound.post_json(receiver.url(), {"a": 1}, timeout=0.5, allow_private=True)
        assert [body for _, _, body in receiver.requests] == [b'{"a": 1}']  # the receiver has it
    assert isinstance(failed.value, MayHaveArrived) and isinstance(failed.value, outbound.Unreachable)


def test_a_refused_connection_is_unreachable_and_proves_the_post_unsent():
    with pytest.raises(outbound.Unreachable) as failed:
        outbound.post_json(f"http://127.0.0.1:{not_listening()}/hook", b"{}", timeout=5, allow_private=True)
    assert not isinstance(failed.value, MayHaveArrived)
    assert "ConnectionRefusedError" in str(failed.value)


def test_an_answer_whose_body_breaks_off_stands():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def answer():
            conn, _ = listener.accept()
            with conn:
                # The whole request first (headers and body may come in two segments): closing with
                # unread data sends a reset, which could drop the partial answer before it is read.
                request = b""
                while not request.endswith(b"\r\n\r\n{}"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    request += chunk
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")

        thread = threading.Thread(target=answer)
        thread.start()
        got = outbound.post_json(f"http://127.0.0.1:{listener.getsockname()[1]}/", b"{}", timeout=5, allow_private=True)
        thread.join()
    assert (got.status, got.excerpt) == (200, "partial")
