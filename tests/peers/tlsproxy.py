"""tlsproxy — a TLS-terminating TCP proxy on 127.0.0.1 for the TLS tests.

It presents a chosen certificate (e.g. one for the wrong host name, an
expired one, one from an unknown CA; see tlscerts.sh) and forwards the
decrypted bytes to a plain upstream such as RGW's http port, so that one
RGW serves every certificate case without restarts. Standard library only.

    p = TLSProxy("DIR/wrong.pem", "DIR/wrong.key", ("127.0.0.1", 7480))
    p.port ... p.close()

Handshake failures are the point of most tests: they are counted in
p.failed and otherwise ignored. Also usable alone:

    python3 tests/peers/tlsproxy.py CERT KEY UPSTREAM_PORT   (prints the port)
"""
import socket
import ssl
import sys
import threading


class TLSProxy:
    def __init__(self, cert, key, upstream):
        self.upstream = upstream
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        self.ctx.load_cert_chain(cert, key)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.failed = 0
        self.served = 0
        self._closing = False
        self._t = threading.Thread(target=self._accept, daemon=True)
        self._t.start()

    def _accept(self):
        while not self._closing:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        c.settimeout(20)
        try:
            t = self.ctx.wrap_socket(c, server_side=True)
        except (ssl.SSLError, OSError):
            self.failed += 1
            c.close()
            return
        self.served += 1
        try:
            u = socket.create_connection(self.upstream, timeout=20)
        except OSError:
            t.close()
            return
        threading.Thread(target=self._pump, args=(u, t), daemon=True).start()
        self._pump(t, u)

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                b = src.recv(65536)
                if not b:
                    break
                dst.sendall(b)
        except (OSError, ssl.SSLError):
            pass
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass

    def close(self):
        self._closing = True
        try:
            self.sock.close()
        except OSError:
            pass


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: tlsproxy.py CERT KEY UPSTREAM_PORT")
    p = TLSProxy(sys.argv[1], sys.argv[2], ("127.0.0.1", int(sys.argv[3])))
    print(p.port, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        p.close()
