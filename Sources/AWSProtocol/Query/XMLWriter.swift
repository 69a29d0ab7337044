/// Builds the XML bodies of Query-protocol responses and errors.
public struct XMLWriter: Sendable {
    public private(set) var text = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"

    public init() {}

    public mutating func open(_ name: String, xmlns: String? = nil) {
        if let xmlns {
            text += "<\(name) xmlns=\"\(Self.escape(xmlns))\">"
        } else {
            text += "<\(name)>"
        }
    }

    public mutating func close(_ name: String) { text += "</\(name)>" }

    public mutating func element(_ name: String, _ value: String?) {
        guard let value else { return }
        text += "<\(name)>\(Self.escape(value))</\(name)>"
    }

    public mutating func element(_ name: String, _ body: (inout XMLWriter) -> Void) {
        open(name)
        body(&self)
        close(name)
    }

    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// The `<ErrorResponse>` body of a Query-protocol error; `detail` adds the empty `<Detail/>`
    /// SQS writes after the message.
    public static func errorResponse(_ error: AWSError, requestId: String, xmlns: String, detail: Bool = false) -> String {
        var w = XMLWriter()
        w.open("ErrorResponse", xmlns: xmlns)
        w.element("Error") { e in
            e.element("Type", error.isSenderFault ? "Sender" : "Receiver")
            e.element("Code", error.code)
            e.element("Message", error.message)
            if detail { e.text += "<Detail/>" }
        }
        w.element("RequestId", requestId)
        w.close("ErrorResponse")
        return w.text
    }
}
