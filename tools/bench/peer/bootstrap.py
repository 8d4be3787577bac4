"""A minimal Lambda runtime for the peer: imports the handler named in
`_HANDLER` (init), then asks the Runtime API for work, calls the handler and
posts its answer, forever. It does what the Python runtime's bootstrap does
and nothing more (no awslambdaric), so the peer's figures are its own code,
boto3 and Python, not a heavier runtime client."""

import http.client
import importlib
import json
import os
import socket
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
BASE = "/2018-06-01/runtime"


class Context:
    """The parts of Lambda's context object the handlers use."""

    def __init__(self, request_id, deadline_ms, arn):
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def connect():
    host, port = API.split(":")
    conn = http.client.HTTPConnection(host, int(port))
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def main():
    module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
    conn = connect()
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as e:  # the init failed: say so, as the runtime does
        body = json.dumps({"errorMessage": str(e), "errorType": type(e).__name__})
        conn.request("POST", f"{BASE}/init/error", body, {"Content-Type": "application/json"})
        conn.getresponse().read()
        raise
    while True:
        conn.request("GET", f"{BASE}/invocation/next")
        response = conn.getresponse()
        payload = response.read()
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        deadline = int(response.getheader("Lambda-Runtime-Deadline-Ms"))
        context = Context(request_id, deadline, response.getheader("Lambda-Runtime-Invoked-Function-Arn"))
        try:
            result = handler(json.loads(payload), context)
            path, body = "response", json.dumps(result)
        except Exception as e:
            traceback.print_exc()
            path = "error"
            body = json.dumps({"errorMessage": str(e), "errorType": type(e).__name__})
        conn.request(
            "POST",
            f"{BASE}/invocation/{request_id}/{path}",
            body.encode(),
            {"Content-Type": "application/json"},
        )
        conn.getresponse().read()


if __name__ == "__main__":
    main()
