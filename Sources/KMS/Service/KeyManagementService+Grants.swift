public import AWSProtocol
import Crypto
import Foundation
public import Identity
import ServiceKit
import Synchronization

/// What CreateGrant takes.
public struct CreateGrantRequest: Sendable {
    public var keyId: String
    public var granteePrincipal: String
    public var retiringPrincipal: String?
    public var operations: [String]
    public var constraints: GrantConstraints?
    public var name: String?
    public var dryRun: Bool

    public init(
        keyId: String, granteePrincipal: String, retiringPrincipal: String?, operations: [String],
        constraints: GrantConstraints?, name: String?, dryRun: Bool
    ) {
        self.keyId = keyId
        self.granteePrincipal = granteePrincipal
        self.retiringPrincipal = retiringPrincipal
        self.operations = operations
        self.constraints = constraints
        self.name = name
        self.dryRun = dryRun
    }
}

extension KeyManagementService {
    /// A grant token: opaque to clients, it names the grant so that it can be used at once
    /// (and retired with RetireGrant).
    static func token(for grant: KMSGrant) -> String {
        Base64.encode(Array("rampart-grant-token:v1:\(grant.keyArn):\(grant.grantId)".utf8))
    }

    static func grant(fromToken token: String) -> (keyArn: String, grantId: String)? {
        guard let bytes = Base64.decode(token), let text = String(bytes: bytes, encoding: .utf8),
            text.hasPrefix("rampart-grant-token:v1:"), let last = text.lastIndex(of: ":")
        else { return nil }
        let keyArn = String(text[text.index(text.startIndex, offsetBy: 23)..<last])
        return (keyArn, String(text[text.index(after: last)...]))
    }

    /// Checks grant tokens the way KMS does: each must be one we issued.
    public func checkGrantTokens(_ tokens: [String]) throws(AWSError) {
        for token in tokens where Self.grant(fromToken: token) == nil {
            throw AWSError(KMSShapes.ErrorCode.invalidGrantTokenException, message: "The grant token provided is invalid.")
        }
    }

    public func createGrant(_ request: CreateGrantRequest, caller: Caller) async throws(AWSError) -> (KMSGrant, String) {
        // AWS takes an empty EncryptionContextEquals or EncryptionContextSubset as not given.
        var request = request
        request.constraints = request.constraints?.normalized
        let unknown = request.operations.filter { !GrantRules.operations.contains($0) }
        if !unknown.isEmpty || request.operations.isEmpty {
            throw .validation(
                message: "Grant operations must be among: \(GrantRules.operations.sorted().joined(separator: ", ")).")
        }
        if request.constraints != nil, request.operations.contains(where: { !GrantRules.cryptographicOperations.contains($0) }) {
            throw .validation(message: "Grant constraints are allowed only for operations that take an encryption context.")
        }
        if let c = request.constraints, c.encryptionContextEquals != nil, c.encryptionContextSubset != nil {
            throw .validation(message: "A grant constraint may use EncryptionContextEquals or EncryptionContextSubset, not both.")
        }
        for principal in [request.granteePrincipal] + [request.retiringPrincipal].compactMap({ $0 }) {
            guard let arn = ARN(principal), arn.service == "iam" || arn.service == "sts" else {
                throw .validation(message: "Invalid principal: \(principal). A grantee or retiring principal must be an IAM ARN.")
            }
        }
        return try await change { () async throws(AWSError) -> (KMSGrant, String) in
            let live = try resolve(request.keyId, caller: caller, allowAlias: false)
            try authorize(
                "kms:CreateGrant", key: live.key, caller: caller,
                conditionKeys: [
                    "kms:GrantOperations": request.operations, "kms:GranteePrincipal": [request.granteePrincipal],
                    // No integrated AWS service of Rampart's creates grants yet.
                    "kms:GrantIsForAWSResource": ["false"],
                    "kms:GrantConstraintType": request.constraints.map {
                        $0.encryptionContextEquals != nil ? ["EncryptionContextEquals"] : ["EncryptionContextSubset"]
                    } ?? [],
                ].filter { !$0.value.isEmpty })
            // AWS's key-state table: a disabled key takes no new grants either.
            switch live.key.keyState {
            case .pendingDeletion: throw .kmsInvalidState("\(live.key.arn) is pending deletion.")
            case .disabled: throw .disabled(live.key.arn)
            default: break
            }
            if request.dryRun { throw .dryRunOperation() }
            let existing = state.withLock { $0.grants[live.key.slot] ?? [:] }
            if let name = request.name,
                let same = existing.values.first(where: {
                    $0.name == name && $0.granteePrincipal == request.granteePrincipal
                        && Set($0.operations) == Set(request.operations) && $0.constraints == request.constraints
                        && $0.retiringPrincipal == request.retiringPrincipal
                })
            {
                return (same, Self.token(for: same))
            }
            guard existing.count < GrantRules.maxGrantsPerKey else {
                throw .kmsLimitExceeded(
                    "The number of grants on \(live.key.arn) has reached the limit of \(GrantRules.maxGrantsPerKey).")
            }
            let grant = KMSGrant(
                grantId: Hex.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }), keyId: live.key.keyId,
                accountId: live.key.accountId, region: live.key.region, name: request.name, creationDate: now(),
                granteePrincipal: request.granteePrincipal, retiringPrincipal: request.retiringPrincipal,
                issuingPrincipal: caller.principal.arn, operations: request.operations, constraints: request.constraints)
            var batch = KeyStoreBatch()
            batch.putGrants = [grant]
            try await persist(batch)
            state.withLock { $0.grants[grant.slot, default: [:]][grant.grantId] = grant }
            return (grant, Self.token(for: grant))
        }
    }

    public func listGrants(
        keyId: String, grantId: String?, granteePrincipal: String?, limit: Int?, marker: String?, caller: Caller
    ) throws(AWSError) -> Page<KMSGrant> {
        let live = try resolve(keyId, caller: caller, allowAlias: false)
        try authorize("kms:ListGrants", key: live.key, caller: caller)
        let grants = state.withLock { $0.grants[live.key.slot].map { Array($0.values) } ?? [] }
            .filter {
                (grantId == nil || $0.grantId == grantId) && (granteePrincipal == nil || $0.granteePrincipal == granteePrincipal)
            }
            .sorted { ($0.creationDate, $0.grantId) < ($1.creationDate, $1.grantId) }
        return try Self.page(grants, limit: limit ?? 50, marker: marker, id: \.grantId)
    }

    public func listRetirableGrants(
        retiringPrincipal: String, limit: Int?, marker: String?, caller: Caller
    ) throws(AWSError)
        -> Page<KMSGrant>
    {
        try authorize("kms:ListRetirableGrants", key: nil, caller: caller)
        // The retiring principal must be one of the caller's own account.
        if let account = ARN(retiringPrincipal)?.accountId, account != caller.accountId {
            throw .accessDenied(
                "User: \(caller.principal.arn) is not authorized to perform: kms:ListRetirableGrants for principal \(retiringPrincipal) of another account"
            )
        }
        let grants = state.withLock { state in
            state.grants.values.flatMap(\.values).filter {
                $0.retiringPrincipal == retiringPrincipal && $0.region == caller.region
            }
        }.sorted { ($0.creationDate, $0.grantId) < ($1.creationDate, $1.grantId) }
        return try Self.page(grants, limit: limit ?? 50, marker: marker, id: \.grantId)
    }

    public func revokeGrant(keyId: String, grantId: String, dryRun: Bool, caller: Caller) async throws(AWSError) {
        try await change { () async throws(AWSError) -> Void in
            let live = try resolve(keyId, caller: caller, allowAlias: false)
            try authorize("kms:RevokeGrant", key: live.key, caller: caller)
            guard let grant = state.withLock({ $0.grants[live.key.slot]?[grantId] }) else {
                throw .kmsNotFound("Grant ID \(grantId) not found")
            }
            if dryRun { throw .dryRunOperation() }
            try await remove(grant)
        }
    }

    /// RetireGrant by token, or by key ARN and grant id: allowed for the retiring principal, the
    /// grantee when the grant includes RetireGrant, and the key's account.
    public func retireGrant(
        grantToken: String?, keyId: String?, grantId: String?, dryRun: Bool, caller: Caller
    )
        async throws(AWSError)
    {
        try await change { () async throws(AWSError) -> Void in
            let grant: KMSGrant?
            if let grantToken {
                guard let (keyArn, id) = Self.grant(fromToken: grantToken) else {
                    throw AWSError(
                        KMSShapes.ErrorCode.invalidGrantTokenException, message: "The grant token provided is invalid.")
                }
                grant = Self.keySlot(ofArn: keyArn).flatMap { slot in state.withLock { $0.grants[slot]?[id] } }
            } else if let keyId, let grantId {
                // The key ARN, or a bare key id for a key of the caller's own account (AWS's
                // RetireGrant takes either with the grant id); never an alias.
                let arn: String
                switch KeyReference(keyId) {
                case .keyArn(let account, let region, let uuid)?:
                    arn = KMSKey.arn(region: region, accountId: account, keyId: uuid)
                case .keyId(let uuid)?:
                    arn = KMSKey.arn(region: caller.region, accountId: caller.accountId, keyId: uuid)
                default:
                    throw .invalidKeyId(keyId)
                }
                // The ARN names the key's account and region too: another account's ARN around
                // this key id names no key at all.
                grant = Self.keySlot(ofArn: arn).flatMap { slot in state.withLock { $0.grants[slot]?[grantId] } }
                    .flatMap { $0.keyArn == arn ? $0 : nil }
            } else {
                throw .validation(message: "Specify a GrantToken, or a KeyId and GrantId.")
            }
            guard let grant else { throw .kmsNotFound("Grant not found") }
            CallNotes.current?.acted(on: grant.keyArn)
            let arn = caller.principal.arn
            let allowed =
                grant.retiringPrincipal == arn || (grant.granteePrincipal == arn && grant.operations.contains("RetireGrant"))
                || caller.accountId == grant.accountId
            guard allowed else {
                throw .accessDenied("User: \(arn) is not authorized to perform: kms:RetireGrant on resource: \(grant.keyArn)")
            }
            if dryRun { throw .dryRunOperation() }
            try await remove(grant)
        }
    }

    private func remove(_ grant: KMSGrant) async throws(AWSError) {
        var batch = KeyStoreBatch()
        batch.deleteGrantIds = [grant.grantId]
        try await persist(batch)
        _ = state.withLock { $0.grants[grant.slot]?.removeValue(forKey: grant.grantId) }
    }

    /// The slot (`KMSKey.slot`) of the key a key ARN names.
    static func keySlot(ofArn arn: String) -> String? {
        guard case .keyArn(_, let region, let keyId)? = KeyReference(arn) else { return nil }
        return KMSKey.slot(keyId: keyId, region: region)
    }
}
