#!/usr/bin/python3
"""A department we did not write: a Python program using Debian's pyzmq sends JSON and a CAP 1.2
alert to a real citywall-ingest over CURVE, and reads the wall stream back with Python classes
that Debian's protoc compiles from schema/wall.proto (docs/protocol.md): no byte layout is written
by hand. A client with an unknown key gets nothing in. A department
whose config says socket = "acknowledged" sends through a DEALER and gets an answer to every
message (docs/protocol.md, "Acknowledged delivery"); the others keep plain PUSH.

Usage: python_department.py BUILD_DIR WORK_DIR WALL_PROTO
"""
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import zmq

BUILD, WORK = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
PROTO = os.path.abspath(sys.argv[3])
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


class AcknowledgedSender:
    """A department's end of an acknowledged feed: every message is [delivery id, body] on a
    DEALER, kept until ingest answers it and sent again when no answer comes in time."""

    def __init__(self, context, endpoint, server_key, keys, timeout=3.0, max_timeout=30.0):
        self.socket = context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.curve_serverkey = server_key
        self.socket.curve_publickey = keys["public"]
        self.socket.curve_secretkey = keys["secret"]
        self.socket.connect(endpoint)
        self.prefix = str(int(time.time() * 1000))  # a restarted sender never reuses an id
        self.counter = 0
        self.timeout, self.max_timeout = timeout, max_timeout
        self.pending = {}  # delivery id -> [frames, when it is sent again, its timeout]
        self.answers = {}  # delivery id -> the answer's frames after the id
        self.resent = self.unknown = self.malformed = 0

    def send(self, body, frames=None):
        """Sends body (str) as [delivery id, body]; `frames` replaces what follows the id, to
        send something the protocol does not allow. Returns the delivery id."""
        self.counter += 1
        delivery_id = f"{self.prefix}-{self.counter}".encode()
        self.send_again(delivery_id, frames if frames is not None else [body.encode()])
        return delivery_id

    def send_again(self, delivery_id, frames):
        """Sends a message (again) under an id it already had."""
        self.answers.pop(delivery_id, None)
        self.socket.send_multipart([delivery_id] + frames)
        self.pending[delivery_id] = [frames, time.time() + self.timeout, self.timeout]

    def pump(self, wait_ms):
        if self.socket.poll(wait_ms, zmq.POLLIN):
            while True:
                try:
                    answer = self.socket.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                self.settle(answer)
        now = time.time()
        for delivery_id, entry in self.pending.items():
            frames, due, timeout = entry
            if due <= now:  # unanswered for its timeout: the same message again
                self.socket.send_multipart([delivery_id] + frames)
                entry[2] = min(2 * timeout, self.max_timeout)
                entry[1] = now + entry[2]
                self.resent += 1

    def settle(self, answer):
        well_formed = len(answer) >= 2 and (
            (answer[1] in (b"ok", b"duplicate") and len(answer) == 2)
            or (answer[1] == b"refused" and len(answer) == 4))
        if not well_formed:
            self.malformed += 1
        elif self.pending.pop(answer[0], None) is None:
            self.unknown += 1  # the answer to a copy of a message already settled
        else:
            self.answers[answer[0]] = [frame.decode("utf-8", "replace") for frame in answer[1:]]

    def wait_for_answers(self, limit):
        deadline = time.time() + limit
        while self.pending and time.time() < deadline:
            self.pump(100)
        assert not self.pending, (
            f"ingest answered {len(self.answers)} of {len(self.answers) + len(self.pending)} "
            f"messages on the acknowledged feed in {limit} s (resent {self.resent}, malformed "
            f"answers {self.malformed}); does it implement docs/protocol.md, "
            f"\"Acknowledged delivery\"?")


def read_key_file(path):
    text = open(path, encoding="utf-8").read()
    return {k: v.encode() for k, v in re.findall(r'^(public|secret) = "([^"]+)"', text, re.M)}


def load_schema(proto, work):
    """The wall stream's messages, compiled from schema/wall.proto by Debian's protoc: no byte
    layout is written here."""
    out = os.path.join(work, "schema")
    os.makedirs(out, exist_ok=True)
    subprocess.run(["protoc", "-I", os.path.dirname(proto), "--python_out", out, proto],
                   check=True)
    sys.path.insert(0, out)
    import wall_pb2
    return wall_pb2


def decode_incident(message):
    """Returns (seq, incident dict) for an incident message, None for other kinds."""
    assert message[:3] == b"CW\x03", message[:3]
    wall = SCHEMA.WallMessage.FromString(message[3:])
    if wall.WhichOneof("body") != "incident":
        return None
    i = wall.incident
    incident = {
        "id": i.id,
        "sources": [(s.department, s.source_id, s.status, s.reported) for s in i.sources],
        "category": i.category,
        "severity": i.severity,
        "status": i.status,
        "lon": i.lon,
        "lat": i.lat,
        "crs": i.source_crs,
        "areas": {a.level: (a.code, a.name) for a in i.areas},
        "title": i.title,
        "description": i.description,
        "drill": i.drill,
    }
    return wall.seq, incident


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
    global SCHEMA
    shutil.rmtree(WORK, ignore_errors=True)  # a fresh journal every run
    os.makedirs(WORK)
    SCHEMA = load_schema(PROTO, WORK)
    updates, snapshots, hotline, fire, police = free_ports(5)
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
[[area]]
level = "police_district"
name_en = "Police district"
hierarchy = "police"
source = "{data}/sfpd_districts.geojson"
code_field = "DISTRICT"
name_field = "DISTRICT"
[[department]]
code = "12345"
endpoint = "tcp://127.0.0.1:{hotline}"
public_key_file = "{KEYS}/12345.pub"
[[department]]
code = "119"
endpoint = "tcp://127.0.0.1:{fire}"
format = "cap"
public_key_file = "{KEYS}/119.pub"
[[department]]
code = "110"
endpoint = "tcp://127.0.0.1:{police}"
socket = "acknowledged"
public_key_file = "{KEYS}/110.pub"
[[wall]]
name = "wall"
public_key_file = "{KEYS}/wall.pub"
""")
    log = open(os.path.join(WORK, "ingest.log"), "w")
    ingest = subprocess.Popen([os.path.join(BUILD, "ingest", "citywall-ingest"), "--config", config],
                              stderr=log, start_new_session=True)
    context = zmq.Context()
    server_key = read_key_file(os.path.join(KEYS, "ingest.pub"))["public"]

    def reader(keys):
        """A client of the wall stream; keys None: no CURVE at all."""
        sub = context.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        if keys:
            sub.curve_serverkey = server_key
            sub.curve_publickey = keys["public"]
            sub.curve_secretkey = keys["secret"]
        sub.connect(f"tcp://127.0.0.1:{updates}")
        return sub

    try:
        sub = reader(read_key_file(os.path.join(KEYS, "wall.key")))
        sub.setsockopt(zmq.RCVTIMEO, 10000)
        # Without a listed wall's key the stream says nothing, not even a heartbeat.
        public, secret = zmq.curve_keypair()
        eavesdroppers = [reader(None), reader({"public": public, "secret": secret}),
                         reader(read_key_file(os.path.join(KEYS, "110.key")))]
        # The first heartbeat: ingest is up and the subscription is live.
        started = time.time() + 15
        while not sub.poll(100, zmq.POLLIN):
            assert ingest.poll() is None, "ingest exited at start:\n" + open(
                os.path.join(WORK, "ingest.log"), encoding="utf-8").read()
            assert time.time() < started, "ingest sent no heartbeat in 15 s"
        sub.recv()

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

        # 110 is acknowledged: every message gets its answer, and a refused one is not resent.
        police_feed = AcknowledgedSender(context, f"tcp://127.0.0.1:{police}", server_key,
                                         read_key_file(os.path.join(KEYS, "110.key")))
        report = ('{"id":"PY-ACK-1","category":"police.theft","severity":3,'
                  '"lon":-122.4100,"lat":37.7600,"occurred":"2026-11-22T03:12:00+08:00",'
                  '"title":"盗窃报警"}')
        heartbeat = police_feed.send('{"type":"heartbeat"}')
        accepted = police_feed.send(report)
        broken = police_feed.send('{"id":"PY-ACK-2",')
        three_frames = police_feed.send("", frames=[report.encode(), b"extra"])
        police_feed.wait_for_answers(15)
        assert police_feed.answers[accepted] == ["ok"], police_feed.answers[accepted]
        # The same message again, as after a lost answer: ingest has it already.
        police_feed.send_again(accepted, [report.encode()])
        # An older report of the same incident, sent late: superseded, not applied.
        older = police_feed.send(report.replace("03:12:00", "02:12:00")
                                        .replace('"severity":3', '"severity":1'))
        police_feed.wait_for_answers(15)
        answers = police_feed.answers
        assert answers[heartbeat] == ["ok"], answers[heartbeat]
        assert answers[accepted] == ["duplicate"], answers[accepted]
        assert answers[broken][:2] == ["refused", "invalid_json"], answers[broken]
        assert answers[three_frames][:2] == ["refused", "bad_frames"], answers[three_frames]
        assert answers[older][:2] == ["refused", "superseded"], answers[older]
        assert police_feed.malformed == 0, police_feed.malformed

        seen = {}
        deadline = time.time() + 20
        while len(seen) < 3 and time.time() < deadline:
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

        assert set(seen) == {"PY-1", "PY-CAP-1", "PY-ACK-1"}, f"got {sorted(seen)}"
        for name, eavesdropper in zip(["no key", "a stranger's key", "110's key"], eavesdroppers):
            assert not eavesdropper.poll(0, zmq.POLLIN), f"the wall stream spoke to {name}"
        hotline_incident = seen["PY-1"][1]
        assert hotline_incident["sources"][0][0] == "12345"
        assert hotline_incident["title"] == "噪音扰民"
        # placed in a district
        assert hotline_incident["areas"]["police_district"][0], hotline_incident["areas"]
        cap_incident = seen["PY-CAP-1"][1]
        assert cap_incident["sources"][0][0] == "119"
        assert cap_incident["category"] == "fire.building", cap_incident["category"]
        assert abs(cap_incident["lat"] - 37.76) < 1e-9 and abs(cap_incident["lon"] + 122.415) < 1e-9
        assert cap_incident["severity"] in (1, 2), cap_incident["severity"]
        assert cap_incident["areas"]["police_district"][0] == "MISSION", cap_incident["areas"]
        # A snapshot asked for with a WallRequest built from the same schema, on a DEALER with
        # the wall's key: the three incidents are in it, with the feed health in its last chunk.
        wall_keys = read_key_file(os.path.join(KEYS, "wall.key"))
        dealer = context.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.setsockopt(zmq.RCVTIMEO, 10000)
        dealer.curve_serverkey = server_key
        dealer.curve_publickey = wall_keys["public"]
        dealer.curve_secretkey = wall_keys["secret"]
        dealer.connect(f"tcp://127.0.0.1:{snapshots}")
        request = SCHEMA.WallRequest()
        request.snapshot.SetInParent()
        dealer.send(b"CW\x03" + request.SerializeToString())
        in_snapshot, feeds = set(), []
        while True:
            reply = dealer.recv()
            assert reply[:3] == b"CW\x03", reply[:3]
            wall = SCHEMA.WallMessage.FromString(reply[3:])
            if wall.WhichOneof("body") != "snapshot_chunk":
                continue  # the unit roster comes before the last chunk
            chunk = wall.snapshot_chunk
            in_snapshot |= {i.sources[0].source_id for i in chunk.incidents}
            if chunk.last:
                feeds = [f.department for f in chunk.feeds]
                break
        assert {"PY-1", "PY-CAP-1", "PY-ACK-1"} <= in_snapshot, sorted(in_snapshot)
        assert "110" in feeds and "12345" in feeds, feeds
        police_incident = seen["PY-ACK-1"][1]
        assert police_incident["sources"][0][0] == "110"
        assert police_incident["severity"] == 3, police_incident["severity"]  # not the older one
        print("python department: JSON and CAP accepted over CURVE, the stranger refused;",
              f"sequences {seen['PY-1'][0]} and {seen['PY-CAP-1'][0]}; acknowledged feed:",
              f"PY-ACK-1 at sequence {seen['PY-ACK-1'][0]}, answers ok, duplicate and refused")
    finally:
        if ingest.poll() is None:  # it may have exited at start already
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
    assert "refused a connection to the wall stream" in open(
        os.path.join(WORK, "ingest.log"), encoding="utf-8").read(), "no wall refusal logged"
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
