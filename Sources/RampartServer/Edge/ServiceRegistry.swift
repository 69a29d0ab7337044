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

    init(_ descriptors: [ServiceDescriptor]) {
        var byTarget: [String: Entry] = [:]
        var byName: [String: Entry] = [:]
        for descriptor in descriptors {
            let entry = Entry(descriptor)
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
    }
}
