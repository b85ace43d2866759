#!/usr/bin/env python3
"""A stand-in for an OpenAI-compatible chat server (vLLM, llama.cpp, Ollama's
/v1) for the co-scientist's tests: answers /v1/chat/completions with a fixed
JSON answer, and appends every request (headers and body) to a log file.

Usage: mock_llm.py PORT_FILE LOG_FILE ANSWER_FILE

When ANSWER_FILE holds {"by_schema": {NAME: ANSWER, ...}}, the answer is
chosen by the request's JSON-schema name (one per agent: generation,
evolution, reflection, judge), and "$FIRST_ID" in it becomes the first
hypothesis id shown in brackets in the prompt.
"""
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port_file, log_file, answer_file = sys.argv[1:4]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(log_file, "a") as log:
            log.write(json.dumps({"path": self.path, "authorization": self.headers.get("Authorization"),
                                  "body": json.loads(body)}) + "\n")
        if self.path != "/v1/chat/completions":
            self.send_response(404)
            self.end_headers()
            return
        with open(answer_file) as f:
            content = f.read()
        try:
            table = json.loads(content).get("by_schema")
        except (ValueError, AttributeError):
            table = None
        if table is not None:
            request = json.loads(body)
            fmt = request.get("response_format", {})
            name = fmt.get("json_schema", {}).get("name", "")
            prompt = request["messages"][-1]["content"]
            first = re.search(r"\[(H-[0-9a-f]+)\]", prompt)
            content = json.dumps(table.get(name, {})).replace("$FIRST_ID", first.group(1) if first else "")
        out = json.dumps({"model": "mock-7b", "choices": [{"message": {"role": "assistant", "content": content}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(out.encode())

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
