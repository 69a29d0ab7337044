import AWSProtocol
import ServiceKit

/// The services a server serves, indexed the ways requests find them: JSON calls by their
/// `X-Amz-Target` prefix, the others by the SigV4 scope's service.
struct ServiceRegistry: Sendable {
    /// One service, with what the edge derives from its descriptor once.
    struct Entry: Sendable {
        let descriptor: ServiceDescriptor
        let validator: RequestValidator
        let queryDecoder: QueryDecoder
        /// How the service's answers and errors are written, built once.
        let wire: WireProtocol

        var signingName: String { descriptor.signingName }

        init(_ descriptor: ServiceDescriptor) {
            self.descriptor = descriptor
            self.validator = RequestValidator(model: descriptor.model)
            self.queryDecoder = QueryDecoder(model: descriptor.model)
            self.wire = WireProtocol(descriptor.wire)
        }
    }

    let byTargetPrefix: [String: Entry]
    let bySigningName: [String: Entry]
    /// The services' anonymous GET routes, in service order.
    let anonymous: [(route: AnonymousRoute, entry: Entry)]

    init(_ descriptors: [ServiceDescriptor]) {
        var byTarget: [String: Entry] = [:]
        var byName: [String: Entry] = [:]
        var anonymous: [(route: AnonymousRoute, entry: Entry)] = []
        for descriptor in descriptors {
            let entry = Entry(descriptor)
            for route in descriptor.anonymousRoutes { anonymous.append((route, entry)) }
            if case .json(let prefix, _, _) = descriptor.wire {
                precondition(byTarget[prefix] == nil, "two services answer X-Amz-Target \(prefix)")
                byTarget[prefix] = entry
            } else {
                precondition(byName[descriptor.signingName] == nil, "two services sign as \(descriptor.signingName)")
                byName[descriptor.signingName] = entry
            }
        }
        self.byTargetPrefix = byTarget
        self.bySigningName = byName
        self.anonymous = anonymous
    }

    /// The anonymous route an unsigned GET of `path` with Query `action` is for, if any.
    func anonymousRoute(path: String, action: String?) -> (route: AnonymousRoute, entry: Entry)? {
        anonymous.first { $0.route.matches(path: path, action: action) }
    }
}
