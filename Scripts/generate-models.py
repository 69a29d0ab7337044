#!/usr/bin/env python3
"""Writes two Swift sources per service from botocore's API model, into the service's own folder:

- `<Name>Model.swift`: the model trimmed to what request validation needs (one string literal),
  and for AWS Query services what reading their requests and writing the served operations' XML
  answers needs, so the server carries the contract without botocore;
- `<Name>Shapes.swift`: typed input and output structures for the operations the service
  serves, their enums, the input members read for every operation before its typed
  request, as sent (`OperationMembers`, for the services in OPERATION_MEMBERS), and the service's error
  codes with their HTTP statuses, so handlers read `request.keyId`, answer
  `.output(KMSShapes.DescribeKeyResponse(keyMetadata: …))`, and the compiler checks both.

Run from the repository root: python3 Scripts/generate-models.py (`--check`: exit 1 if any file
it would write differs from the one on disk; CI runs this).
Which operations a service serves is read from its operation table (the `table` file below):
every string literal there that names one of the model's operations.
A service that moved from Query to JSON but still answers Query (SQS) has its Query traits in
Scripts/query-traits/<name>-<version>.json (written by Scripts/extract-query-traits.py from an older
botocore); they are laid over the current model for its `<Name>Model.swift`, not its shapes.
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
    "logs": ("2014-03-28", "CloudWatchLogs", "Sources/CloudWatchLogs", "Sources/CloudWatchLogs/LogsOperations.swift"),
    "lambda": ("2015-03-31", "Lambda", "Sources/Lambda", "Sources/Lambda/LambdaOperations.swift"),
}
# The input members a service reads for every operation of its model (served or not) before the
# operation's typed request, or as sent: authorization's resources and condition keys (IAM,
# CloudTrail), grant tokens (KMS), enum values a typed request would drop (SQS's attribute
# names, refused by name), the function an operation names (Lambda: the handler's families of
# operations and the records' resources). `<Name>Shapes.OperationMembers`.
OPERATION_MEMBERS = {
    "kms": ["GrantTokens"],
    "iam": [
        "UserName", "RoleName", "GroupName", "PolicyArn", "InstanceProfileName", "AWSServiceName",
        "PermissionsBoundary", "Tags", "TagKeys",
    ],
    "cloudtrail": ["Name", "TrailName"],
    "sqs": ["AttributeNames", "MessageSystemAttributeNames"],
    "lambda": ["FunctionName", "Qualifier", "Resource"],
}
KEEP = ("type", "required", "min", "max", "enum", "sensitive", "pattern")


def load(name, version):
    base = os.path.join(os.path.dirname(botocore.__file__), "data", name, version)
    path = os.path.join(base, "service-2.json.gz")
    if os.path.exists(path):
        return json.load(gzip.open(path)), botocore.__version__
    return json.load(open(os.path.join(base, "service-2.json"))), botocore.__version__


def query_traits(name, version):
    """The Query overlay of a service that speaks Query beside JSON, or None."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "query-traits", f"{name}-{version}.json")
    return json.load(open(path)) if os.path.exists(path) else None


def overlaid(model, overlay):
    """A copy of `model` with the Query overlay's traits on the shapes, members and operations it
    shares with the model (members the Query model never had keep their plain names)."""
    model = json.loads(json.dumps(model))
    shapes = model["shapes"]
    for name, traits in overlay["shapes"].items():
        s = shapes.get(name)
        if s is None:
            continue
        for k in ("locationName", "flattened"):
            if k in traits:
                s[k] = traits[k]
        for member, mt in traits.get("members", {}).items():
            if member in s.get("members", {}):
                s["members"][member].update(mt)
        for part in ("member", "key", "value"):
            if part in traits and part in s:
                s[part].update(traits[part])
    for op, traits in overlay["operations"].items():
        if "output" in model["operations"].get(op, {}):
            model["operations"][op]["output"].update(traits)
    model["metadata"]["xmlNamespace"] = overlay["metadata"]["xmlNamespace"]
    return model


def rest_traits(s, t):
    """A REST structure's bindings: where each member travels (`uri`, `querystring`, `header`,
    `headers`, `statusCode`) and by which name, and the member that is the whole body (`payload`)."""
    locations = {m: [v["location"], v.get("locationName", m)] for m, v in s.get("members", {}).items() if "location" in v}
    if locations:
        t["locations"] = locations
    if "payload" in s:
        t["payload"] = s["payload"]


def trim(model, served_operations, query):
    """The model cut to what the server reads: every operation's input for validation and, for
    AWS Query services (`query`), the names their requests' parameters take and the served
    operations' outputs with what their XML needs (member order, `locationName`, `flattened`, the
    result wrapper), so the edge reads the requests and writes the answers from it."""
    shapes = model["shapes"]
    out_shapes, ops = {}, {}
    rest = model["metadata"]["protocol"] == "rest-json"

    def wire_names(s, t):
        """A structure's members' Query names and flattening: the member's `locationName`, else
        its shape's own (botocore resolves a member's traits over its shape's)."""
        names, flat = {}, []
        for m, v in s.get("members", {}).items():
            target = shapes[v["shape"]]
            if "locationName" in v or "locationName" in target:
                names[m] = v.get("locationName", target.get("locationName"))
            if v.get("flattened"):
                flat.append(m)
        if names:
            t["locationNames"] = names
        if flat:
            t["flattenedMembers"] = flat

    def visit(name):
        if name in out_shapes:
            return
        s = shapes[name]
        t = {k: s[k] for k in KEEP if k in s}
        if query and s.get("flattened"):
            t["flattened"] = True
        if s["type"] == "structure":
            t["members"] = {m: v["shape"] for m, v in s.get("members", {}).items()}
            if rest:
                rest_traits(s, t)
            if query:  # SQS's `MessageAttribute.N.Name`, `Tag.N.Key`
                wire_names(s, t)
            out_shapes[name] = t
            for v in s.get("members", {}).values():
                visit(v["shape"])
        elif s["type"] == "list":
            t["member"] = s["member"]["shape"]
            if query and "locationName" in s["member"]:  # SQS's `AttributeName.N`
                t["memberName"] = s["member"]["locationName"]
            out_shapes[name] = t
            visit(s["member"]["shape"])
        elif s["type"] == "map":
            t["key"], t["value"] = s["key"]["shape"], s["value"]["shape"]
            if query:  # SNS's `MessageAttributes.entry.N.Name`
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
        if s.get("timestampFormat"):
            t["timestampFormat"] = s["timestampFormat"]
        if s["type"] == "structure":
            t["order"] = list(s.get("members", {}))
            for v in s.get("members", {}).values():
                xml_traits(v["shape"], seen)
        elif s["type"] == "list":
            xml_traits(s["member"]["shape"], seen)
        elif s["type"] == "map":
            for part in ("key", "value"):
                xml_traits(s[part]["shape"], seen)

    seen = set()
    errors = {}
    for op, o in model["operations"].items():
        ops[op] = {"input": o.get("input", {}).get("shape")}
        if ops[op]["input"]:
            visit(ops[op]["input"])
        output = o.get("output", {})
        if rest:  # REST-JSON: the route, the answer's status, and how the answer is bound
            ops[op]["http"] = {k: o["http"][k] for k in ("method", "requestUri", "responseCode") if k in o["http"]}
            if op in served_operations and output.get("shape"):
                ops[op]["output"] = output["shape"]
                visit(output["shape"])
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
        overlay = query_traits(name, version)
        query = model["metadata"]["protocol"] == "query" or overlay is not None
        header = f"// Generated by Scripts/generate-models.py from botocore {bv} ({name} {version}). Do not edit.\n"
        write(os.path.join(outdir, f"{swift}Shapes.swift"), header + swift_shapes(model, swift, operations, OPERATION_MEMBERS.get(name, ())))
        wire_model = overlaid(model, overlay) if overlay else model
        text = json.dumps(trim(wire_model, operations, query), separators=(",", ":"), sort_keys=True)
        assert '"#' not in text
        need = "request validation and its Query answers need" if query else "request validation needs"
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
