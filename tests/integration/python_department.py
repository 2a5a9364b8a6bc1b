#!/usr/bin/python3
"""A department we did not write: a Python program using Debian's pyzmq sends JSON and a CAP 1.2
alert to a real citywall-ingest over CURVE, and reads the wall stream back by decoding the binary
messages from docs/protocol.md alone. A client with an unknown key gets nothing in.

Usage: python_department.py BUILD_DIR WORK_DIR
"""
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

import zmq

BUILD, WORK = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
KEYS = os.path.join(BUILD, "config", "keys")


def free_ports(n):
    """Free ports below the kernel's ephemeral range (as tests/support/loopback.hpp), so that no
    outgoing connection is given one before ingest binds it."""
    ports = []
    while len(ports) < n:
        port = random.randint(10000, 19999)
        if port in ports:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
    return ports


def read_key_file(path):
    text = open(path, encoding="utf-8").read()
    return {k: v.encode() for k, v in re.findall(r'^(public|secret) = "([^"]+)"', text, re.M)}


class Reader:
    """Little-endian reader for the wall stream encoding, versions 1 and 2."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def text(self):
        n = self.take("I")
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s


def decode_incident(message):
    """Returns (seq, incident dict) for an incident message, None for other kinds."""
    magic, version, kind, seq = struct.unpack_from("<2sBBQ", message, 0)
    assert magic == b"CW" and version in (1, 2), (magic, version)
    if kind != 1:
        return None
    r = Reader(message)
    r.pos = 12
    incident = {"id": r.take("Q"), "sources": []}
    for _ in range(r.take("H")):
        incident["sources"].append((r.text(), r.text(), r.take("B"), r.take("q")))
    incident["category"] = r.text()
    incident["severity"], incident["status"], incident["escalation"] = r.take("BBB")
    incident["lon"], incident["lat"] = r.take("dd")
    incident["crs"] = r.text()
    incident["grid"] = [(r.text(), r.text()) for _ in range(4)]
    incident["beat"] = (r.text(), r.text())
    r.take("qqqq")
    incident["title"], incident["description"] = r.text(), r.text()
    incident["drill"] = r.take("B")
    incident["provenance"] = (r.text(), r.take("Q"), r.take("Q"))
    assert r.pos == len(message), "trailing bytes"
    return seq, incident


CAP = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>PY-CAP-1</identifier>
  <sender>fire@example.city</sender>
  <sent>2026-11-22T03:10:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Fire</category>
    <event>fire.building</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>仓库起火</headline>
    <area>
      <areaDesc>Mission</areaDesc>
      <circle>37.7600,-122.4150 0.2</circle>
    </area>
  </info>
</alert>"""


def main():
    shutil.rmtree(WORK, ignore_errors=True)  # a fresh journal every run
    os.makedirs(WORK)
    updates, snapshots, hotline, fire = free_ports(4)
    config = os.path.join(WORK, "ingest.toml")
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "real")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f"""[ingest]
updates_endpoint = "tcp://127.0.0.1:{updates}"
snapshot_endpoint = "tcp://127.0.0.1:{snapshots}"
journal_dir = "journal"
heartbeat_ms = 200
[security]
keys = "on"
ingest_key_file = "{KEYS}/ingest.key"
[placement]
beat_source = "{data}/sfpd_districts.geojson"
beat_layer = ""
beat_code_field = "DISTRICT"
beat_name_field = "DISTRICT"
[[department]]
code = "12345"
endpoint = "tcp://127.0.0.1:{hotline}"
public_key_file = "{KEYS}/12345.pub"
[[department]]
code = "119"
endpoint = "tcp://127.0.0.1:{fire}"
format = "cap"
public_key_file = "{KEYS}/119.pub"
""")
    log = open(os.path.join(WORK, "ingest.log"), "w")
    ingest = subprocess.Popen([os.path.join(BUILD, "ingest", "citywall-ingest"), "--config", config],
                              stderr=log, start_new_session=True)
    context = zmq.Context()
    try:
        sub = context.socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.setsockopt(zmq.RCVTIMEO, 10000)
        sub.connect(f"tcp://127.0.0.1:{updates}")
        sub.recv()  # the first heartbeat: ingest is up and the subscription is live

        server_key = read_key_file(os.path.join(KEYS, "ingest.pub"))["public"]

        def department(code, endpoint_port, keys):
            push = context.socket(zmq.PUSH)
            push.setsockopt(zmq.LINGER, 0)
            push.setsockopt(zmq.SNDTIMEO, 3000)  # a refused PUSH has no peer and would wait forever
            push.curve_serverkey = server_key
            push.curve_publickey = keys["public"]
            push.curve_secretkey = keys["secret"]
            push.connect(f"tcp://127.0.0.1:{endpoint_port}")
            return push

        # A stranger with a key of its own tries first; nothing it sends may get in.
        public, secret = zmq.curve_keypair()
        stranger = department("12345", hotline, {"public": public, "secret": secret})
        try:
            stranger.send_string('{"id":"X-1","category":"hotline.noise","lon":-122.41,"lat":37.76}')
        except zmq.Again:
            pass  # refused at the handshake: the message never even left

        hotline_push = department("12345", hotline, read_key_file(os.path.join(KEYS, "12345.key")))
        hotline_push.send_string(
            '{"id":"PY-1","category":"hotline.noise","severity":4,"lon":-122.4194,"lat":37.7749,'
            '"title":"噪音扰民"}')
        fire_push = department("119", fire, read_key_file(os.path.join(KEYS, "119.key")))
        fire_push.send_string(CAP)

        seen = {}
        deadline = time.time() + 20
        while len(seen) < 2 and time.time() < deadline:
            decoded = decode_incident(sub.recv())
            if decoded:
                seq, incident = decoded
                seen[incident["sources"][0][1]] = (seq, incident)
        # Give the stranger's message every chance to (wrongly) arrive.
        sub.setsockopt(zmq.RCVTIMEO, 300)
        settle = time.time() + 1.5
        while time.time() < settle:
            try:
                decoded = decode_incident(sub.recv())
            except zmq.Again:
                continue
            if decoded:
                seen[decoded[1]["sources"][0][1]] = decoded

        assert set(seen) == {"PY-1", "PY-CAP-1"}, f"got {sorted(seen)}"
        hotline_incident = seen["PY-1"][1]
        assert hotline_incident["sources"][0][0] == "12345"
        assert hotline_incident["title"] == "噪音扰民"
        assert hotline_incident["beat"][0], hotline_incident["beat"]  # placed in a district
        cap_incident = seen["PY-CAP-1"][1]
        assert cap_incident["sources"][0][0] == "119"
        assert cap_incident["category"] == "fire.building", cap_incident["category"]
        assert abs(cap_incident["lat"] - 37.76) < 1e-9 and abs(cap_incident["lon"] + 122.415) < 1e-9
        assert cap_incident["severity"] in (1, 2), cap_incident["severity"]
        assert cap_incident["beat"][0] == "MISSION", cap_incident["beat"]
        print("python department: JSON and CAP accepted over CURVE, the stranger refused;",
              f"sequences {seen['PY-1'][0]} and {seen['PY-CAP-1'][0]}")
    finally:
        os.killpg(ingest.pid, signal.SIGTERM)
        try:
            ingest.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(ingest.pid, signal.SIGKILL)
            ingest.wait()
        context.destroy(linger=0)
    log.close()
    refused = "refused" in open(os.path.join(WORK, "ingest.log"), encoding="utf-8").read()
    assert refused, "ingest did not log the stranger's refusal"
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
