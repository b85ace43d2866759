"""Loads an RO-Crate with ro-crate-py (`rocrate`) and checks the RO-Crate 1.1
required properties; prints a JSON summary, or the first problem and exits 1.

Checked: a metadata descriptor with conformsTo RO-Crate 1.1 and about ./;
a root Dataset with name, description, datePublished (ISO 8601) and license;
every file of the folder listed in hasPart, and every listed file present;
the run described as a CreateAction with instrument, object and result.

usage: python rocrate_check.py DIR
"""
import datetime
import json
import os
import sys

from rocrate.rocrate import ROCrate

path = sys.argv[1]
crate = ROCrate(path)
problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


def ids(v):
    if v is None:
        return []
    v = v if isinstance(v, list) else [v]
    return [x.id if hasattr(x, "id") else (x["@id"] if isinstance(x, dict) else x) for x in v]


meta = json.load(open(os.path.join(path, "ro-crate-metadata.json")))
graph = {e["@id"]: e for e in meta["@graph"]}
desc = graph.get("ro-crate-metadata.json", {})
need(desc.get("@type") == "CreativeWork", "descriptor @type CreativeWork")
need(desc.get("conformsTo", {}).get("@id", "").startswith("https://w3id.org/ro/crate/1.1"),
     "descriptor conformsTo RO-Crate 1.1")
need(desc.get("about", {}).get("@id") == "./", "descriptor about ./")

root = crate.root_dataset
for prop in ["name", "description", "datePublished", "license"]:
    need(root.get(prop), f"root {prop}")
try:
    datetime.datetime.fromisoformat(str(root.get("datePublished")).replace("Z", "+00:00"))
except ValueError:
    problems.append("root datePublished is not ISO 8601")

listed = set(ids(root.get("hasPart")))
on_disk = set()
for d, _, files in os.walk(path):
    for f in files:
        rel = os.path.relpath(os.path.join(d, f), path)
        if rel != "ro-crate-metadata.json":
            on_disk.add(rel)
need(listed == on_disk, f"hasPart {sorted(listed ^ on_disk)} differ from the files")
data = [e for e in crate.data_entities]
for e in data:
    need(os.path.exists(os.path.join(path, e.id)), f"file {e.id} present")

actions = [e for e in crate.contextual_entities if "CreateAction" in (e.type if isinstance(e.type, list) else [e.type])]
need(len(actions) >= 1, "a CreateAction")
for a in actions:
    for prop in ["instrument", "object", "result"]:
        need(ids(a.get(prop)), f"CreateAction {prop}")

if problems:
    print("RO-Crate check failed: " + "; ".join(problems))
    sys.exit(1)
print(json.dumps({
    "name": root.get("name"),
    "files": len(data),
    "has_part": len(listed),
    "actions": len(actions),
    "results": len(ids(actions[0].get("result"))),
}))
