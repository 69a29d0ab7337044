"""Swift source for a service's typed shapes, from its botocore model (used by generate-models.py).

For the operations a service serves it writes: each input structure (and every structure, list,
map and enum it reaches) as a Swift type with an initializer from the validated request members,
and the model's error codes with their HTTP statuses. Members the model marks required are
non-optional: the request validator has already refused a request without them.
"""
import re

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
    "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows", "static", "struct",
    "subscript", "typealias", "var", "break", "case", "continue", "default", "defer", "do", "else", "fallthrough",
    "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while", "as", "catch", "false", "is", "nil",
    "super", "self", "Self", "throw", "throws", "true", "try", "Type", "Protocol", "any", "some",
}


def camel(name):
    """AWS member or enum names as Swift identifiers: `KeyId` → `keyId`, `SSEKMSKeyId` →
    `ssekmsKeyId`, `RSAES_OAEP_SHA_1` → `rsaesOaepSha1`, `AWS::KMS::Key` → `awsKmsKey`."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    if not parts:
        return "empty"
    if len(parts) > 1 or name.isupper():
        words = [p.lower() for p in parts]
        ident = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    else:
        word = parts[0]
        run = len(word) - len(word.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        if run <= 1:
            ident = word[:1].lower() + word[1:]
        elif run == len(word):
            ident = word.lower()
        else:  # `SSEKMSKeyId`: the capitals before the last one start the identifier
            ident = word[: run - 1].lower() + word[run - 1 :]
    if ident[0].isdigit():
        ident = "_" + ident
    return f"`{ident}`" if ident in SWIFT_KEYWORDS else ident


def type_name(name):
    """A Swift type name for a shape (`KeyIdType` stays; `Error` is renamed to keep Swift's)."""
    return name + "Shape" if name in ("Error", "Type", "Protocol", "Self") else name


class Writer:
    def __init__(self, model):
        self.model = model
        self.shapes = model["shapes"]
        self.structures, self.enums = {}, {}
        self.visiting = set()

    def swift_type(self, name):
        s = self.shapes[name]
        t = s["type"]
        if t == "structure":
            self.structure(name)
            return type_name(name)
        if t == "list":
            return f"[{self.swift_type(s['member']['shape'])}]"
        if t == "map":
            key = "String"  # every map key in the models Rampart serves is a string
            return f"[{key}: {self.swift_type(s['value']['shape'])}]"
        if t == "string" and "enum" in s:
            self.enums[name] = s["enum"]
            return type_name(name)
        return {
            "string": "String", "blob": "[UInt8]", "boolean": "Bool", "integer": "Int", "long": "Int",
            "double": "Double", "float": "Double", "timestamp": "Date",
        }[t]

    def decoder(self, name, value):
        """An expression that turns `value` (a `JSONValue?`) into the shape's Swift value, or nil."""
        s = self.shapes[name]
        t = s["type"]
        if t == "structure":
            return f"ShapeValue.structure({value}, {type_name(name)}.init(members:))"
        if t == "list":
            return f"ShapeValue.list({value}) {{ {self.decoder(s['member']['shape'], '$0')} }}"
        if t == "map":
            return f"ShapeValue.map({value}) {{ {self.decoder(s['value']['shape'], '$0')} }}"
        if t == "string" and "enum" in s:
            return f"ShapeValue.enumeration({value}, {type_name(name)}.self)"
        helper = {
            "string": "string", "blob": "blob", "boolean": "bool", "integer": "int", "long": "int",
            "double": "double", "float": "double", "timestamp": "date",
        }[t]
        return f"ShapeValue.{helper}({value})"

    def fallback(self, name):
        """The value of a required member that is absent, which validation never lets through."""
        s = self.shapes[name]
        t = s["type"]
        if t == "structure":
            return f"{type_name(name)}(members: [:])"
        if t == "list":
            return "[]"
        if t == "map":
            return "[:]"
        if t == "string" and "enum" in s:
            return f".{camel(s['enum'][0])}"
        return {
            "string": '""', "blob": "[]", "boolean": "false", "integer": "0", "long": "0", "double": "0",
            "float": "0", "timestamp": "Date(timeIntervalSince1970: 0)",
        }[t]

    def structure(self, name):
        if name in self.structures:
            return
        assert name not in self.visiting, f"recursive shape {name}"  # would need an indirect type
        self.visiting.add(name)
        s = self.shapes[name]
        required = set(s.get("required", []))
        lines, inits = [], []
        for member, ref in s.get("members", {}).items():
            shape = ref["shape"]
            swift = self.swift_type(shape)
            ident = camel(member)
            # `protocol = …` is not Swift; `self.protocol = …` is (for a keyword-named member).
            plain = ident.strip("`") if ident == ident.strip("`") else "self." + ident.strip("`")
            call = self.decoder(shape, f'm["{member}"]')
            if member in required:
                lines.append(f"        var {ident}: {swift}")
                inits.append(f"            {plain} = {call} ?? {self.fallback(shape)}")
            else:
                lines.append(f"        var {ident}: {swift}?")
                inits.append(f"            {plain} = {call}")
        self.structures[name] = (lines, inits)
        self.visiting.discard(name)

    def render(self, swift_name, operations):
        model = self.model
        for op in operations:
            shape = model["operations"][op].get("input", {}).get("shape")
            if shape:
                self.structure(shape)
        ns = f"{swift_name}Shapes"
        out = ["import AWSProtocol", "import Foundation", ""]
        out.append(f"/// {swift_name}'s request shapes for the operations Rampart serves, their enums, and the")
        out.append("/// service's error codes with their HTTP statuses, from the botocore model.")
        out.append(f"enum {ns} {{")
        out.append("    /// The operations these shapes were generated for: those the operation table names.")
        names = ", ".join(f'"{op}"' for op in operations)
        out.append(f"    static let servedOperations: Set<String> = [{names}]")
        out.append("")
        inputs = {model["operations"][op].get("input", {}).get("shape"): op for op in operations}
        for name in sorted(self.structures):
            lines, inits = self.structures[name]
            doc = f"The input of {inputs[name]}." if name in inputs else "A structure the inputs reach."
            out.append(f"    /// {doc}")
            out.append(f"    struct {type_name(name)}: Sendable {{")
            out.extend(lines)
            if lines:
                out.append("")
            if name in inputs:
                out.append("        init(_ input: RequestInput) { self.init(members: input.members) }")
                out.append("")
            out.append("        init(members m: [String: JSONValue]) {")
            out.extend(inits)
            out.append("        }")
            out.append("    }")
            out.append("")
        for name in sorted(self.enums):
            cases = [camel(v) for v in self.enums[name]]
            assert len(set(cases)) == len(cases), f"{name}: two enum values give one Swift name"
            out.append(f"    enum {type_name(name)}: String, Sendable, CaseIterable {{")
            for value in self.enums[name]:
                out.append(f'        case {camel(value)} = "{value}"')
            out.append("    }")
            out.append("")
        errors = {}
        for op in model["operations"].values():
            for e in op.get("errors", []):
                es = self.shapes[e["shape"]].get("error", {})
                errors[es.get("code", e["shape"])] = es.get("httpStatusCode", 400)
        out.append("    /// Every error code the model declares, with the HTTP status AWS answers it with.")
        out.append("    enum ErrorCode: String, Sendable, CaseIterable, ModelErrorCode {")
        for code in sorted(errors):
            out.append(f'        case {camel(code)} = "{code}"')
        out.append("")
        out.append("        var httpStatus: Int {")
        statuses = {}
        for code, status in errors.items():
            statuses.setdefault(status, []).append(code)
        if len(statuses) == 1:
            out.append(f"            {next(iter(statuses))}")
        else:
            out.append("            switch self {")
            for status in sorted(statuses):
                cases = ", ".join(f".{camel(c)}" for c in sorted(statuses[status]))
                out.append(f"            case {cases}: {status}")
            out.append("            }")
        out.append("        }")
        out.append("    }")
        out.append("}")
        return "\n".join(out) + "\n"


def swift_shapes(model, swift_name, operations):
    return Writer(model).render(swift_name, operations)
