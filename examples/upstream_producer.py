#!/usr/bin/env python3
"""upstream_producer.py - an upstream lab system that starts a bmdstream
analysis by publishing `experiment-imported` itself, with the confluent-kafka
client (the contract: schemas/asyncapi.yaml, schemas/README.md).

What `experiment-imported` announces must exist before the event is out: the
experiment's row in PostgreSQL and its matrix as `matrix.bin` in the object
store (docs/matrix-bin.md), with the annotation files beside it. This example
leaves that to `bmdstream-import --register-only`, which stores them - from a
local file, or from an expression file the lab already uploaded under
`projects/<project>/` (`--matrix-key`) - and prints the event's `data`
without a job id. The example then:

  1. gives the analysis a job id of its own (a UUID); the first stage and
     the job tracker create the job (QUEUED) when they see the event;
  2. wraps the data in a CloudEvents 1.0 envelope (structured JSON mode, no
     Kafka headers), signs it with the user's Ed25519 key (RFC 8785 canonical
     form of the envelope, attributes `bskeyid` and `bssignature`;
     docs/security.md: the first stage refuses an unsigned event) and
     produces it to `<prefix>experiment-imported` with the experiment id as
     the key, idempotently, waiting for the broker's acknowledgement;
  3. prints the job id; with --wait, follows the job on `job-events` until a
     COMPLETED (exit 0) or FAILED (exit 1) event for it.

    python3 examples/upstream_producer.py --bootstrap 127.0.0.1:9092 \\
        --key ana.key --project 7 --matrix-key "projects/7/uploads/example data 1.txt" \\
        --probe-map probe_map.txt --category-map category_map.txt --wait 900 \\
        -- --prefilter anova --p-cutoff 0.05

The key is the user's private key file (`bmdstream user key generate`, its
public half registered with `bmdstream user key add`); --key, else
BMDSTREAM_SIGNING_KEY. `bmdstream-import` proves the user with the same key
and reads the database and object store settings from the environment
(BMDSTREAM_DATABASE_URL, BMDSTREAM_S3_*; README.md, "Configuration").
Arguments after `--` are bmdstream's analysis flags (`bmdstream settings
--help`). Needs the PyPI packages confluent-kafka, cryptography, rfc8785.
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid

import rfc8785
from confluent_kafka import Consumer, KafkaException, Producer
from cryptography.hazmat.primitives import serialization

SOURCE = "/lab/upstream-producer"  # CloudEvents source: names this producer


def register(args):
    """Stores the experiment with bmdstream-import; the event's data."""
    cmd = [args.import_bin, "--register-only", "--key", args.key,
           "--project", str(args.project)]
    if args.user:
        cmd += ["--user", args.user]
    cmd += ["--matrix", args.matrix] if args.matrix else ["--matrix-key", args.matrix_key]
    for flag, value in (("--probe-map", args.probe_map), ("--category-map", args.category_map),
                        ("--gmt", args.gmt)):
        if value:
            cmd += [flag, value]
    out = subprocess.run(cmd + args.analysis, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"upstream_producer: bmdstream-import refused: {out.stderr.strip()}")
    return json.loads(out.stdout)


def envelope(data):
    """The CloudEvents 1.0 envelope of experiment-imported (schemas/README.md)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),  # a new announcement: a new id
        "type": "bmdstream.experiment-imported.v1",
        "source": SOURCE,
        "time": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "subject": f"projects/{data['project_id']}/experiments/{data['experiment_id']}",
        "datacontenttype": "application/json",
        "data": data,
    }


def sign(event, key_path):
    """Adds bskeyid and bssignature: Ed25519 over the RFC 8785 form of the
    envelope as it is without them (docs/security.md)."""
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    signature = key.sign(rfc8785.dumps(event))
    event["bskeyid"] = hashlib.sha256(raw).digest()[:16].hex()
    event["bssignature"] = base64.b64encode(signature).decode()
    return event


def publish(args, conf, event):
    """Produces the event and waits for the broker's acknowledgement."""
    producer = Producer(dict(conf, **{
        "enable.idempotence": True,  # acks=all, no duplicates from retries
        "partitioner": "murmur2_random",  # bmdstream's (and Java's) partitioner
        "client.id": "upstream-producer"}))
    delivered = []
    producer.produce(args.topic_prefix + "experiment-imported",
                     key=str(event["data"]["experiment_id"]).encode(),
                     value=json.dumps(event).encode(),
                     on_delivery=lambda err, msg: delivered.append(err))
    if producer.flush(30) != 0 or delivered != [None]:
        sys.exit(f"upstream_producer: not delivered: {delivered or 'timed out'}")


def wait(args, conf, job_id):
    """Follows the job's events until it ends: 0 COMPLETED, 1 FAILED, 3 timeout."""
    consumer = Consumer(dict(conf, **{
        "group.id": f"upstream-producer-{job_id}", "auto.offset.reset": "earliest",
        "enable.auto.commit": False}))
    consumer.subscribe([args.topic_prefix + "job-events"])
    deadline = time.monotonic() + args.wait
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                raise KafkaException(msg.error())
            data = json.loads(msg.value()).get("data", {})
            if data.get("job_id") != job_id:
                continue
            print(f"job {job_id}: {data['status']} {data['progress']:.0%} {data['message']}",
                  file=sys.stderr)
            if data["status"] in ("COMPLETED", "FAILED"):
                return 0 if data["status"] == "COMPLETED" else 1
        print(f"job {job_id}: not finished after {args.wait} s", file=sys.stderr)
        return 3
    finally:
        consumer.close()


def properties(path):
    """librdkafka properties from a file of "name=value" lines ('#' comments),
    the format kcat -F and bmdstream's kafka_credentials read."""
    if not path:
        return {}
    props = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" not in line:
                sys.exit(f"upstream_producer: {path}:{n}: expected 'property=value'")
            name, value = line.split("=", 1)
            props[name.strip()] = value.strip()
    return props


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers")
    ap.add_argument("--topic-prefix", default="", help="the deployment's topic prefix")
    ap.add_argument("-X", dest="kafka", action="append", default=[], metavar="PROP=VALUE",
                    help="a librdkafka property, e.g. security.protocol=SASL_SSL")
    ap.add_argument("--kafka-config", metavar="FILE",
                    help="librdkafka properties (as kcat -F reads them), e.g. the SASL "
                    "credentials of the principal allowed to write experiment-imported")
    ap.add_argument("--follow-kafka-config", metavar="FILE",
                    help="the properties --wait reads job-events with (default: "
                    "--kafka-config); the importing principal may not read job-events")
    ap.add_argument("--key", default=os.environ.get("BMDSTREAM_SIGNING_KEY"),
                    help="the user's Ed25519 private key file (PEM); default "
                    "$BMDSTREAM_SIGNING_KEY")
    ap.add_argument("--user", help="optional: must name the key's owner")
    ap.add_argument("--project", type=int, required=True)
    matrix = ap.add_mutually_exclusive_group(required=True)
    matrix.add_argument("--matrix", help="a local BMDExpress expression file")
    matrix.add_argument("--matrix-key", help="an expression file already uploaded under "
                        "projects/<project>/")
    ap.add_argument("--probe-map")
    ap.add_argument("--category-map")
    ap.add_argument("--gmt")
    ap.add_argument("--import-bin", default="bmdstream-import")
    ap.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                    help="follow the job until it ends (0: do not)")
    ap.add_argument("analysis", nargs="*", help="bmdstream analysis flags, after --")
    args = ap.parse_args()
    if not args.key:
        ap.error("--key FILE (or BMDSTREAM_SIGNING_KEY) is required: events are signed")
    conf = {"bootstrap.servers": args.bootstrap, **properties(args.kafka_config)}
    conf.update(kv.split("=", 1) for kv in args.kafka)
    follow = dict(conf, **properties(args.follow_kafka_config))

    data = register(args)
    job_id = str(uuid.uuid4())
    data = {"job_id": job_id, **data}
    publish(args, conf, sign(envelope(data), args.key))
    print(job_id, flush=True)
    return wait(args, follow, job_id) if args.wait > 0 else 0


if __name__ == "__main__":
    sys.exit(main())
