"""Reads Tidewater's predictions with AvroDeserializer and prints one line per prediction.

A downstream team's consumer: the reader schema is the one it was built against (today's
`schemas/prediction.avsc` unless `--reader-schema` says otherwise); each record is decoded with the
writer schema its id names in the registry and resolved to the reader schema, so predictions
written after a compatible change still read. Prints event id, model version, score, label, the
trace id from the `traceparent` header and the writer schema id (`--json` for JSON lines).
Reads committed records only; stops after `--max-messages`, or `--idle-seconds` without a record.
"""

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, KafkaException
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

REPO = Path(__file__).resolve().parents[2]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    p.add_argument("--schema-registry", default="http://127.0.0.1:8081")
    p.add_argument("--topic", default="predictions")
    p.add_argument("--group", default=f"predictions-reader-{uuid.uuid4().hex[:8]}")
    p.add_argument("--reader-schema", default=str(REPO / "schemas" / "prediction.avsc"))
    p.add_argument("--max-messages", type=int, default=0, help="stop after this many (0: no limit)")
    p.add_argument("--idle-seconds", type=float, default=10.0, help="stop after this long without a record")
    p.add_argument("--json", action="store_true", help="print one JSON line per prediction")
    return p.parse_args()


def trace_id_of(headers):
    # W3C traceparent: version-traceid-spanid-flags.
    for name, value in headers or []:
        if name == "traceparent" and value:
            parts = value.decode("ascii", "replace").split("-")
            return parts[1] if len(parts) == 4 else None
    return None


def main():
    args = parse_args()
    registry = SchemaRegistryClient({"url": args.schema_registry})
    strategy = {"subject.name.strategy.type": "TOPIC"}
    read_value = AvroDeserializer(registry, Path(args.reader_schema).read_text(encoding="utf-8"), conf=strategy)
    read_key = AvroDeserializer(registry, conf=strategy)  # keys: the Avro string entity key
    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap_servers,
            "group.id": args.group,
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",
            "enable.auto.commit": True,
        }
    )
    consumer.subscribe([args.topic])
    count = 0
    last = time.monotonic()
    try:
        while (args.max_messages == 0 or count < args.max_messages) and time.monotonic() - last < args.idle_seconds:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise KafkaException(msg.error())
            last = time.monotonic()
            prediction = read_value(msg.value(), SerializationContext(msg.topic(), MessageField.VALUE, msg.headers()))
            key = read_key(msg.key(), SerializationContext(msg.topic(), MessageField.KEY))
            line = {
                "event_id": prediction["event_id"],
                "entity_key": key,
                "model_version": prediction["model_version"],
                "score": prediction["score"],
                "label": prediction["label"],
                "trace_id": trace_id_of(msg.headers()),
                "schema_id": int.from_bytes(msg.value()[1:5], "big"),
                "partition": msg.partition(),
                "offset": msg.offset(),
            }
            if args.json:
                print(json.dumps(line), flush=True)
            else:
                print(
                    f"event_id={line['event_id']} model_version={line['model_version']} score={line['score']:.4f} "
                    f"label={line['label']} trace_id={line['trace_id']} schema_id={line['schema_id']}",
                    flush=True,
                )
            count += 1
    finally:
        consumer.close()
    print(f"read {count} predictions from {args.topic}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
