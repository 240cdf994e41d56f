#!/usr/bin/env python3
"""A loopback S3 stand-in that checks what real S3 checks on each request: the AWS Signature V4
(recomputed with botocore's signer from the request as received, for the one access key it
knows) and that x-amz-content-sha256 is the SHA-256 of the body. Objects live in a folder,
path-style (/BUCKET/KEY). GET, HEAD and PUT only; a bad signature is 403 SignatureDoesNotMatch.

usage: s3_verifier.py DATA_DIR PORT_FILE ACCESS_KEY SECRET_KEY REGION
Writes the port it listens on (127.0.0.1) to PORT_FILE, then serves until killed; each
rejection is also counted in DATA_DIR/../rejected (one line per request).
"""
import hashlib
import hmac
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

DATA, PORT_FILE, ACCESS_KEY, SECRET_KEY, REGION = sys.argv[1:6]
MAX_BODY = 64 << 20
AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, ?"
                  r"SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", length=None):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def refuse(self, code, why):
        with open(os.path.join(DATA, "..", "rejected"), "a") as log:
            log.write(f"{self.command} {self.path} {code}: {why}\n")
        self.answer(403, f"<Error><Code>{code}</Code><Message>{why}</Message></Error>".encode())

    def verified_body(self):
        """The request body when signature and payload hash check out, else None (refused)."""
        length = int(self.headers.get("Content-Length", "0"))
        if length > MAX_BODY:
            self.answer(413)
            return None
        body = self.rfile.read(length) if length else b""
        match = AUTH.match(self.headers.get("Authorization", ""))
        if not match:
            self.refuse("AccessDenied", "no SigV4 Authorization header")
            return None
        key, day, region, signed, signature = match.groups()
        amz_date = self.headers.get("x-amz-date", "")
        if key != ACCESS_KEY or region != REGION or not amz_date.startswith(day):
            self.refuse("InvalidAccessKeyId", "unknown key, region or date")
            return None
        if self.headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
            self.refuse("XAmzContentSHA256Mismatch", "x-amz-content-sha256 is not the body's SHA-256")
            return None
        names = signed.split(";")
        if "host" not in names or "x-amz-date" not in names or "x-amz-content-sha256" not in names:
            self.refuse("AccessDenied", "host, x-amz-date and x-amz-content-sha256 must be signed")
            return None
        request = AWSRequest(method=self.command, url=f"http://{self.headers['Host']}{self.path}",
                             headers={n: self.headers.get(n, "") for n in names}, data=body)
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION)
        string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
        expected = signer.signature(string_to_sign, request)
        if not hmac.compare_digest(expected, signature):
            self.refuse("SignatureDoesNotMatch", "the signature does not match")
            return None
        return body

    def object_path(self):
        parts = self.path.split("?")[0].lstrip("/").split("/")
        if len(parts) < 2 or any(p in ("", ".", "..") for p in parts):
            return None
        return os.path.join(DATA, *parts)

    def do_GET(self):
        if self.verified_body() is None:
            return
        path = self.object_path()
        if not path or not os.path.isfile(path):
            self.answer(404, b"<Error><Code>NoSuchKey</Code></Error>")
            return
        with open(path, "rb") as f:
            data = f.read()
        self.answer(200, data)

    def do_HEAD(self):
        if self.verified_body() is None:
            return
        path = self.object_path()
        if not path or not os.path.isfile(path):
            self.answer(404)
            return
        self.answer(200, length=os.path.getsize(path))

    def do_PUT(self):
        body = self.verified_body()
        if body is None:
            return
        path = self.object_path()
        if not path:
            self.answer(400)
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temp = f"{path}.tmp.{os.getpid()}.{id(self)}"
        with open(temp, "wb") as f:
            f.write(body)
        os.replace(temp, path)  # whole objects only, like S3
        self.answer(200)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up: not news
            super().handle_error(request, client_address)


server = Server(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
