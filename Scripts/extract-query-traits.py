#!/usr/bin/env python3
"""Extracts the AWS Query protocol's wire traits of a service that moved from Query to JSON, from
an older botocore model that still describes its Query protocol, into a small JSON overlay that
Scripts/generate-models.py lays over the current (JSON) model.

Current botocore describes SQS only as AWS JSON 1.0, without the traits its Query protocol needs
(`locationName` such as `Attribute`/`Name`/`Value`, `flattened` lists and maps, result wrappers,
the XML namespace, the Query error codes and statuses). Botocore before 1.31 has them. The overlay
is committed (Scripts/query-traits/<service>-<version>.json), so generating the models needs no old
botocore; run this again only to refresh it:

    python3 Scripts/extract-query-traits.py sqs 2012-11-05 \
        /usr/lib/google-cloud-sdk/lib/third_party/botocore/data/sqs/2012-11-05/service-2.json

(google-cloud-sdk bundles botocore 1.34.22, whose SQS model is still the Query one.)
"""
import json, os, sys

TRAITS = ("locationName", "flattened")


def extract(model):
    assert model["metadata"]["protocol"] == "query", "not a Query model"
    shapes = {}
    for name, s in sorted(model["shapes"].items()):
        t = {k: s[k] for k in TRAITS if k in s}
        if s["type"] == "structure":
            members = {m: {k: v[k] for k in TRAITS if k in v} for m, v in s.get("members", {}).items()}
            members = {m: v for m, v in members.items() if v}
            if members:
                t["members"] = members
            if "error" in s:
                t["error"] = {k: s["error"][k] for k in ("code", "httpStatusCode", "senderFault") if k in s["error"]}
        elif s["type"] == "list":
            if "locationName" in s["member"]:
                t["member"] = {"locationName": s["member"]["locationName"]}
        elif s["type"] == "map":
            for part in ("key", "value"):
                if "locationName" in s[part]:
                    t[part] = {"locationName": s[part]["locationName"]}
        if t:
            shapes[name] = t
    operations = {
        op: {"resultWrapper": o["output"]["resultWrapper"]}
        for op, o in sorted(model["operations"].items())
        if "resultWrapper" in o.get("output", {})
    }
    meta = model["metadata"]
    return {
        "metadata": {"apiVersion": meta["apiVersion"], "xmlNamespace": meta["xmlNamespace"]},
        "operations": operations,
        "shapes": shapes,
    }


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    name, version, path = sys.argv[1:]
    overlay = extract(json.load(open(path)))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(root, "Scripts", "query-traits", f"{name}-{version}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(overlay, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{os.path.relpath(out, root)}: {len(overlay['shapes'])} shapes, {len(overlay['operations'])} result wrappers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
