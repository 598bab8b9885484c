"""Shows or sets a subject's compatibility level: `set_compatibility.py SUBJECT [LEVEL]`.

Tidewater's public subjects are FULL_TRANSITIVE in production (docs/contracts.md); a fresh dev
registry starts every subject at its BACKWARD default, so the examples set the level first.
"""

import argparse
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("subject")
    p.add_argument("level", nargs="?", help="NONE, BACKWARD, FORWARD, FULL, or one of them with _TRANSITIVE")
    p.add_argument("--schema-registry", default="http://127.0.0.1:8081")
    args = p.parse_args()
    registry = SchemaRegistryClient({"url": args.schema_registry})
    if args.level:
        registry.set_compatibility(args.subject, args.level)
    try:
        level = registry.get_compatibility(args.subject)
    except SchemaRegistryError as err:
        if err.error_code != 40408:  # the subject has no level of its own: it follows the global one
            raise
        level = f"{registry.get_compatibility()} (global)"
    print(f"{args.subject}: {level}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
