#!/usr/bin/env python3
"""A keep-alive HTTP/1.1 front for an SWF endpoint that closes every connection.

moto's server ends each response with `Connection: close`, so a client against it opens one TCP
connection per call, and the kernel's work for setting up and tearing down those connections is
charged to the client's CPU time. Against AWS SWF, clients keep connections open. This proxy
accepts persistent connections from a decider and makes the short-lived connections to moto
itself, so the decider's CPU time is measured as it would be with connection reuse. Its own CPU
time is not part of any decider's figures.

Usage: keepalive_proxy.py LISTEN_PORT UPSTREAM_PORT (both on 127.0.0.1).
"""
import http.client
import http.server
import socketserver
import sys

UPSTREAM_PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}

        upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM_PORT, timeout=90)
        try:
            upstream.request("POST", self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        finally:
            upstream.close()

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
