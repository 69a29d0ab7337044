#!/usr/bin/env python3
"""Writes two Swift sources per service from botocore's API model, into the service's own folder:

- `<Name>Model.swift`: the model trimmed to what request validation needs (one string literal),
  and for AWS Query services what writing the served operations' XML answers needs, so the
  server carries the contract without botocore;
- `<Name>Shapes.swift`: typed input structures for the operations the service serves, their
  enums, and the service's error codes with their HTTP statuses, so handlers read
  `request.keyId` and the compiler checks it.

Run from the repository root: python3 Scripts/generate-models.py (`--check`: exit 1 if any file
it would write differs from the one on disk; CI runs this).
Which operations a service serves is read from its operation table (the `table` file below):
every string literal there that names one of the model's operations.
"""
import gzip, json, os, re, sys

import botocore

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shapes import camel, swift_shapes  # noqa: E402

SERVICES = {  # botocore name: version, Swift name, the module folder, the file with its operation table
    "kms": ("2014-11-01", "KMS", "Sources/KMS/API", "Sources/KMS/API/KMSOperations.swift"),
    "sts": ("2011-06-15", "STS", "Sources/STS", "Sources/STS/STSDescriptor.swift"),
    "iam": ("2010-05-08", "IAM", "Sources/IAM", "Sources/IAM/IAMDescriptor.swift"),
    "cloudtrail": ("2013-11-01", "CloudTrail", "Sources/CloudTrail", "Sources/CloudTrail/CloudTrailDescriptor.swift"),
    "sqs": ("2012-11-05", "SQS", "Sources/SQS", "Sources/SQS/SQSOperations.swift"),
    "events": ("2015-10-07", "EventBridge", "Sources/EventBridge", "Sources/EventBridge/EventBridgeOperations.swift"),
    "sns": ("2010-03-31", "SNS", "Sources/SNS", "Sources/SNS/SNSOperations.swift"),
}
KEEP = ("type", "required", "min", "max", "enum", "sensitive", "pattern")


def load(name, version):
    base = os.path.join(os.path.dirname(botocore.__file__), "data", name, version)
    path = os.path.join(base, "service-2.json.gz")
    if os.path.exists(path):
        return json.load(gzip.open(path)), botocore.__version__
    return json.load(open(os.path.join(base, "service-2.json"))), botocore.__version__


def trim(model, served_operations):
    """The model cut to what the server reads: every operation's input for validation and, for
    AWS Query services, the served operations' outputs with what their XML needs (member order,
    `locationName`, `flattened`, the result wrapper), so the edge writes the answers from it."""
    shapes = model["shapes"]
    out_shapes, ops = {}, {}

    def visit(name):
        if name in out_shapes:
            return
        s = shapes[name]
        t = {k: s[k] for k in KEEP if k in s}
        if s["type"] == "structure":
            t["members"] = {m: v["shape"] for m, v in s.get("members", {}).items()}
            out_shapes[name] = t
            for v in s.get("members", {}).values():
                visit(v["shape"])
        elif s["type"] == "list":
            t["member"] = s["member"]["shape"]
            out_shapes[name] = t
            visit(s["member"]["shape"])
        elif s["type"] == "map":
            t["key"], t["value"] = s["key"]["shape"], s["value"]["shape"]
            if model["metadata"].get("protocol") == "query":  # SNS's `MessageAttributes.entry.N.Name`
                for part in ("key", "value"):
                    if "locationName" in s[part]:
                        t[part + "Name"] = s[part]["locationName"]
            out_shapes[name] = t
            visit(s["key"]["shape"])
            visit(s["value"]["shape"])
        else:
            out_shapes[name] = t

    def xml_traits(name, seen):
        """Adds the traits XML answers need to `name` and what it reaches."""
        if name in seen:
            return
        seen.add(name)
        visit(name)
        s, t = shapes[name], out_shapes[name]
        if s.get("flattened"):
            t["flattened"] = True
        if s.get("timestampFormat"):
            t["timestampFormat"] = s["timestampFormat"]
        if s["type"] == "structure":
            t["order"] = list(s.get("members", {}))
            names = {m: v["locationName"] for m, v in s.get("members", {}).items() if "locationName" in v}
            flat = [m for m, v in s.get("members", {}).items() if v.get("flattened")]
            if names:
                t["locationNames"] = names
            if flat:
                t["flattenedMembers"] = flat
            for v in s.get("members", {}).values():
                xml_traits(v["shape"], seen)
        elif s["type"] == "list":
            if "locationName" in s["member"]:
                t["memberName"] = s["member"]["locationName"]
            xml_traits(s["member"]["shape"], seen)
        elif s["type"] == "map":
            for part in ("key", "value"):
                if "locationName" in s[part]:
                    t[part + "Name"] = s[part]["locationName"]
                xml_traits(s[part]["shape"], seen)

    query = model["metadata"].get("protocol") == "query"
    seen = set()
    errors = {}
    for op, o in model["operations"].items():
        ops[op] = {"input": o.get("input", {}).get("shape")}
        if ops[op]["input"]:
            visit(ops[op]["input"])
        output = o.get("output", {})
        if query and op in served_operations:
            if output.get("shape"):
                ops[op]["output"] = output["shape"]
                xml_traits(output["shape"], seen)
            ops[op]["resultWrapper"] = output.get("resultWrapper", op + "Result")
        for e in o.get("errors", []):
            es = shapes[e["shape"]].get("error", {})
            errors[es.get("code", e["shape"])] = es.get("httpStatusCode", 400)
    return {"operations": ops, "shapes": out_shapes, "errors": errors}


def served(model, table_path):
    """The model's operations named by a string literal in the service's operation table."""
    literals = set(re.findall(r'"(\w+)"', open(table_path).read()))
    return sorted(op for op in model["operations"] if op in literals)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    check = "--check" in sys.argv[1:]  # compare with the files on disk instead of writing them
    stale = []

    def write(path, text):
        if check:
            if not os.path.exists(path) or open(path).read() != text:
                stale.append(os.path.relpath(path, root))
            return
        with open(path, "w") as f:
            f.write(text)

    for name, (version, swift, folder, table) in SERVICES.items():
        outdir = os.path.join(root, folder)
        os.makedirs(outdir, exist_ok=True)
        model, bv = load(name, version)
        operations = served(model, os.path.join(root, table))
        header = f"// Generated by Scripts/generate-models.py from botocore {bv} ({name} {version}). Do not edit.\n"
        write(os.path.join(outdir, f"{swift}Shapes.swift"), header + swift_shapes(model, swift, operations))
        text = json.dumps(trim(model, operations), separators=(",", ":"), sort_keys=True)
        assert '"#' not in text
        need = "request validation and its Query answers need" if model["metadata"]["protocol"] == "query" else "request validation needs"
        write(
            os.path.join(outdir, f"{swift}Model.swift"),
            header + "import AWSProtocol\n\n"
            + f"extension ServiceModel {{\n    /// The {name} API model, trimmed to what {need}.\n"
            + f"    static let {camel(swift)}: ServiceModel = try! ServiceModel(json: #\"{text}\"#)\n}}\n",
        )
        if not check:
            print(f"{swift}: model {len(text)} bytes, shapes for {len(operations)} operations")
    if stale:
        print("generate-models: out of date (run python3 Scripts/generate-models.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
