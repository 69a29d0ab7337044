"""Swift source for a service's typed shapes, from its botocore model (used by generate-models.py).

For the operations a service serves it writes: each input structure (and every structure, list,
map and enum it reaches) as a Swift type with an initializer from the validated request members;
each output structure (and every structure it reaches) as a Swift type with a memberwise
initializer and `jsonValue`, the result the edge encodes (JSON, or Query XML from the model);
optionally, for every operation of the model, the few input members read before (or beside) the
operation's typed request, as sent (`OperationMembers`: authorization's resources and keys, enum
values a typed request would drop); and the model's error codes with their HTTP statuses. Members the model
marks required are non-optional: the request validator has already refused a request without
them, and an answer cannot be built without them.

In output structures that no input reaches, enum members are their raw strings: the domain types
carry enums of their own, and a conversion that could fail has no place in an answer. Timestamps
are written as the service's handlers always wrote them: epoch seconds to the millisecond for JSON
services, plain epoch seconds for Query ones (the edge writes those as ISO 8601).
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
        # capitals and the digits among them (`MD5OfBody` → `md5OfBody`)
        run = len(word) - len(word.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
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


SCALARS = {
    "string": "String", "blob": "[UInt8]", "boolean": "Bool", "integer": "Int", "long": "Int",
    "double": "Double", "float": "Double", "timestamp": "Date",
}


class Writer:
    def __init__(self, model):
        self.model = model
        self.shapes = model["shapes"]
        self.structures, self.enums = {}, {}
        self.visiting = set()
        self.query = model["metadata"]["protocol"] == "query"
        self.outputs = {}  # output structure name: its Swift lines
        self.output_visiting = set()

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
        return SCALARS[t]

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

    # MARK: outputs

    def out_type(self, name, typed_enums):
        """The Swift type of an output member: as inputs have it, except enums (raw strings)
        in structures no input reaches."""
        s = self.shapes[name]
        t = s["type"]
        if t == "structure":
            self.output_structure(name)
            return type_name(name)
        if t == "list":
            return f"[{self.out_type(s['member']['shape'], typed_enums)}]"
        if t == "map":
            return f"[String: {self.out_type(s['value']['shape'], typed_enums)}]"
        if t == "string" and "enum" in s and typed_enums:
            return self.swift_type(name)
        return SCALARS[t]

    def encoder(self, name, value, typed_enums):
        """An expression that turns `value` (the member's Swift value) into its `JSONValue`."""
        s = self.shapes[name]
        t = s["type"]
        if t == "structure":
            return f"{value}.jsonValue"
        if t == "list":
            return f".array({value}.map {{ {self.encoder(s['member']['shape'], '$0', typed_enums)} }})"
        if t == "map":
            return f".object({value}.mapValues {{ {self.encoder(s['value']['shape'], '$0', typed_enums)} }})"
        if t == "string" and "enum" in s and typed_enums:
            return f".string({value}.rawValue)"
        if t == "timestamp":
            if self.query:  # epoch seconds as they are: the edge writes ISO 8601 to the second
                return f".double({value}.timeIntervalSince1970)"
            return f"AWSProtocol.Timestamp.epochSeconds({value})"
        return {
            "string": f".string({value})", "blob": f".string(AWSProtocol.Base64.encode({value}))",
            "boolean": f".bool({value})", "integer": f".int(Int64({value}))", "long": f".int(Int64({value}))",
            "double": f".double({value})", "float": f".double(Double({value}))",
        }[t]

    def out_fallback(self, name, typed_enums):
        """A placeholder for a required member of a value rendered by hand (never encoded)."""
        s = self.shapes[name]
        if s["type"] == "structure":
            return f"{type_name(name)}(rendered: .null)"
        if s["type"] == "string" and "enum" in s and not typed_enums:
            return '""'
        return self.fallback(name)

    def output_structure(self, name, top=False):
        if name in self.outputs or name in self.output_visiting:
            return
        assert name not in self.output_visiting, f"recursive shape {name}"
        self.output_visiting.add(name)
        s = self.shapes[name]
        shared = name in self.structures  # an input reaches it too: one type for both
        required = set(s.get("required", []))
        fields, params, assigns, encodes, fallbacks = [], [], [], [], []
        for member, ref in s.get("members", {}).items():
            shape = ref["shape"]
            swift = self.out_type(shape, typed_enums=shared)
            ident = camel(member)
            plain = ident.strip("`")
            if member in required:
                fields.append(f"        var {ident}: {swift}")
                params.append(f"{ident}: {swift}")
                encodes.append(f'            m["{member}"] = {self.encoder(shape, "self." + plain, shared)}')
                fallbacks.append(f"            self.{plain} = {self.out_fallback(shape, shared)}")
            else:
                fields.append(f"        var {ident}: {swift}?")
                params.append(f"{ident}: {swift}? = nil")
                encodes.append(f'            if let v = self.{plain} {{ m["{member}"] = {self.encoder(shape, "v", shared)} }}')
            assigns.append(f"            self.{plain} = {ident}")
        self.outputs[name] = (top, shared, fields, params, assigns, encodes, fallbacks)
        self.output_visiting.discard(name)

    def output_body(self, name, out):
        """The memberwise initializer and `jsonValue` of an output structure (and, for a nested
        one, `init(rendered:)`), inside its declaration."""
        top, shared, fields, params, assigns, encodes, fallbacks = self.outputs[name]
        if not top:
            out.append("        /// A value a service renders by hand from a domain type, members by their model")
            out.append("        /// names: not checked by the compiler, for nested values a service keeps as JSON.")
            out.append("        init(rendered json: JSONValue) {")
            if shared:
                out.append("            self.init(members: [:])")
            else:
                out.extend(fallbacks)
            out.append("            rendered = json")
            out.append("        }")
            out.append("")
        if params:
            out.append(f"        init({', '.join(params)}) {{")
            out.extend(assigns)
            out.append("        }")
        else:
            out.append("        init() {}")
        out.append("")
        out.append("        var jsonValue: JSONValue {")
        if not top:
            out.append("            if let rendered { return rendered }")
        if encodes:
            out.append(f"            var m = [String: JSONValue](minimumCapacity: {len(encodes)})")
            out.extend(encodes)
            out.append("            return .object(m)")
        else:
            out.append("            return .object([:])")
        out.append("        }")
        if not top:
            out.append("")
            out.append("        private var rendered: JSONValue? = nil")

    def operation_members(self, members, out):
        """`OperationMembers`: the named input members of every operation of the model."""
        types, reads = {}, {}
        for op in sorted(self.model["operations"]):
            shape = self.model["operations"][op].get("input", {}).get("shape")
            if not shape:
                continue
            have = self.shapes[shape].get("members", {})
            for member in members:
                if member not in have:
                    continue
                target = have[member]["shape"]
                s = self.shapes[target]
                item = self.shapes[s["member"]["shape"]] if s["type"] == "list" else None
                if s["type"] == "string":  # enums as sent: one type across operations, and no value dropped
                    swift, read = "String", f'ShapeValue.string(m["{member}"])'
                elif item is not None and item["type"] == "string":
                    swift, read = "[String]", f'ShapeValue.list(m["{member}"]) {{ ShapeValue.string($0) }}'
                else:
                    swift, read = self.swift_type(target), self.decoder(target, f'm["{member}"]')
                assert types.setdefault(member, swift) == swift, f"{member}: two types across operations"
                reads.setdefault(op, []).append(f"                {camel(member).strip('`')} = {read}")
        out.append("    /// The input members the service reads for every operation of the model (served or not)")
        out.append("    /// before the operation's own request, or as sent: for authorization and grant tokens, and")
        out.append("    /// for enum values a typed request would drop, to name them in an error. Each is read only")
        out.append("    /// where the operation's input has it; strings and enums are as sent.")
        out.append("    struct OperationMembers: Sendable {")
        for member in members:
            if member in types:
                out.append(f"        var {camel(member)}: {types[member]}?")
        out.append("")
        out.append("        init(operation: String, input: RequestInput) {")
        out.append("            let m = input.members")
        out.append("            switch operation {")
        for op in sorted(reads):
            out.append(f'            case "{op}":')
            out.extend(reads[op])
        out.append("            default: break")
        out.append("            }")
        out.append("        }")
        out.append("    }")
        out.append("")

    def render(self, swift_name, operations, operation_members=()):
        model = self.model
        for op in operations:
            shape = model["operations"][op].get("input", {}).get("shape")
            if shape:
                self.structure(shape)
        auth = []
        if operation_members:
            self.operation_members(operation_members, auth)
        results = {}
        for op in operations:
            shape = model["operations"][op].get("output", {}).get("shape")
            if shape:
                results[shape] = op
                self.output_structure(shape, top=True)
        ns = f"{swift_name}Shapes"
        out = ["import AWSProtocol", "import Foundation", ""]
        out.append(f"/// {swift_name}'s request and response shapes for the operations Rampart serves, their enums,")
        out.append("/// and the service's error codes with their HTTP statuses, from the botocore model.")
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
            conformance = "OutputShape" if name in self.outputs else "Sendable"
            out.append(f"    struct {type_name(name)}: {conformance} {{")
            out.extend(lines)
            if lines:
                out.append("")
            if name in inputs:
                out.append("        init(_ input: RequestInput) { self.init(members: input.members) }")
                out.append("")
            out.append("        init(members m: [String: JSONValue]) {")
            out.extend(inits)
            out.append("        }")
            if name in self.outputs:
                out.append("")
                self.output_body(name, out)
            out.append("    }")
            out.append("")
        for name in sorted(self.outputs):
            top, shared, fields = self.outputs[name][:3]
            if shared:
                continue
            doc = f"The output of {results[name]}." if name in results else "A structure the outputs reach."
            out.append(f"    /// {doc}")
            out.append(f"    struct {type_name(name)}: OutputShape {{")
            out.extend(fields)
            if fields:
                out.append("")
            self.output_body(name, out)
            out.append("    }")
            out.append("")
        out.extend(auth)
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


def swift_shapes(model, swift_name, operations, operation_members=()):
    return Writer(model).render(swift_name, operations, operation_members)
