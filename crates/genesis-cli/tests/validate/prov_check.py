"""Loads a PROV-JSON file with the W3C reference library `prov` (which rejects
unknown record keys and undeclared prefixes) and prints a JSON summary of what
it found, for crates/genesis-cli/tests/provenance.rs to check.

usage: python prov_check.py FILE
"""
import collections
import json
import sys

import prov.model as m

doc = m.ProvDocument.deserialize(source=sys.argv[1], format="json")
kinds = collections.Counter()
types = collections.Counter()
for rec in doc.get_records():
    kinds[rec.get_type().localpart] += 1
    for t in rec.get_asserted_types() or []:
        types[str(t)] += 1
# PROV-N serialisation exercises every record once more.
provn = doc.get_provn()
print(json.dumps({
    "records": sum(kinds.values()),
    "kinds": kinds,
    "types": types,
    "provn_lines": len(provn.splitlines()),
}))
