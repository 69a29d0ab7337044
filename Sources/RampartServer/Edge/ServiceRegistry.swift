import AWSProtocol
import ServiceKit

/// The services a server serves, indexed the ways requests find them: JSON calls by their
/// `X-Amz-Target` prefix, the others by the SigV4 scope's service. A service that speaks two
/// wire formats (SQS: JSON and Query) is found both ways, each with its own format.
struct ServiceRegistry: Sendable {
    /// One service, with what the edge derives from its descriptor once.
    struct Entry: Sendable {
        let descriptor: ServiceDescriptor
        let validator: RequestValidator
        let queryDecoder: QueryDecoder
        /// How the service's answers and errors are written in each format it speaks, in the
        /// descriptor's order, built once.
        let wires: [WireProtocol]

        var signingName: String { descriptor.signingName }
        /// The first format's writer: answers given outside a call of a chosen format
        /// (anonymous routes).
        var wire: WireProtocol { wires[0] }
        /// The writer of the service's AWS JSON format, if it speaks one.
        var jsonWire: WireProtocol? {
            wires.first {
                guard case .json = $0 else { return false }
                return true
            }
        }

        init(_ descriptor: ServiceDescriptor) {
            self.descriptor = descriptor
            self.validator = RequestValidator(model: descriptor.model)
            self.queryDecoder = QueryDecoder(model: descriptor.model)
            self.wires = descriptor.wires.map(WireProtocol.init)
        }
    }

    /// A service as one way of reaching it finds it: the format and its writer.
    struct Reached: Sendable {
        let entry: Entry
        let format: WireFormat
        let wire: WireProtocol
    }

    let byTargetPrefix: [String: Reached]
    let bySigningName: [String: Reached]
    /// The services' anonymous GET routes, in service order.
    let anonymous: [(route: AnonymousRoute, entry: Entry)]
    /// The largest body any service declares it takes (`ServiceDescriptor.maxRequestBytes`).
    let largestRequestBytes: Int

    init(_ descriptors: [ServiceDescriptor]) {
        var byTarget: [String: Reached] = [:]
        var byName: [String: Reached] = [:]
        var anonymous: [(route: AnonymousRoute, entry: Entry)] = []
        for descriptor in descriptors {
            let entry = Entry(descriptor)
            for route in descriptor.anonymousRoutes { anonymous.append((route, entry)) }
            for (format, wire) in zip(descriptor.wires, entry.wires) {
                let reached = Reached(entry: entry, format: format, wire: wire)
                if case .json(let prefix, _, _) = format {
                    precondition(byTarget[prefix] == nil, "two services answer X-Amz-Target \(prefix)")
                    byTarget[prefix] = reached
                } else {
                    precondition(byName[descriptor.signingName] == nil, "two services sign as \(descriptor.signingName)")
                    byName[descriptor.signingName] = reached
                }
            }
        }
        self.byTargetPrefix = byTarget
        self.bySigningName = byName
        self.anonymous = anonymous
        self.largestRequestBytes = descriptors.compactMap(\.maxRequestBytes).max() ?? 0
    }

    /// The anonymous route an unsigned GET of `path` with Query `action` is for, if any.
    func anonymousRoute(path: String, action: String?) -> (route: AnonymousRoute, entry: Entry)? {
        anonymous.first { $0.route.matches(path: path, action: action) }
    }
}
