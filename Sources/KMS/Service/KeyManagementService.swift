import AWSProtocol
import Crypto
import Foundation
public import Identity
import KMSCiphertext
public import KeyVault
public import Logging
public import RampartCore
import Synchronization

/// The key service: customer master keys that never leave it, aliases, tags, envelope
/// encryption, rotation and scheduled deletion.
///
/// All state is held in memory and written through to the `KeyStore`: reads and cryptographic
/// calls never wait for the database. Changes run one at a time under `writeLock`, commit to
/// the store, and only then become visible, so an answered change is durable and the cache
/// never shows what the store does not hold.
public final class KeyManagementService: Sendable {
    struct AliasID: Hashable, Sendable {
        var accountId: String
        var region: String
        var name: String
    }

    struct State: Sendable {
        /// Keys by slot (`KMSKey.slot`): the key id, and the region too for multi-Region keys.
        var keys: [String: LiveKey] = [:] {
            didSet { keysChanged &+= 1 }  // no `oldValue`: the dictionary is still changed in place
        }
        /// Counts changes to `keys`, so the sweep knows when what it last found may be stale.
        var keysChanged: UInt64 = 0
        var aliases = AliasTable()
        /// Keys whose last usage changed since it was last written.
        var usageToWrite: Set<String> = []
        /// Grants by key slot, then grant id.
        var grants: [String: [String: KMSGrant]] = [:]
        /// Import parameters handed out, by token hash.
        var imports: [String: PendingImport] = [:]
    }

    let store: any KeyStore
    let vault: KeyVault
    let clock: any ServiceClock
    let authorizer: any KMSAuthorizer
    let principals: any PrincipalDirectory
    let logger: Logger
    let state = Mutex(State())
    let writeLock = AsyncLock()
    /// What the last full look at every key found (`sweep`).
    let sweepMemo = Mutex<SweepMemo?>(nil)
    let serviceEvents: any KMSServiceEventRecorder

    /// AWS's limit on on-demand rotations per key.
    public static let onDemandRotationLimit = 25

    public init(
        store: any KeyStore, vault: KeyVault, clock: any ServiceClock,
        authorizer: any KMSAuthorizer = AccountOwnerAuthorizer(), principals: any PrincipalDirectory = AnyPrincipalExists(),
        logger: Logger = Logger(label: "rampart.kms"),
        serviceEvents: any KMSServiceEventRecorder = UnrecordedServiceEvents()
    ) {
        self.principals = principals
        self.serviceEvents = serviceEvents
        self.store = store
        self.vault = vault
        self.clock = clock
        self.authorizer = authorizer
        self.logger = logger
    }

    /// Reads every key from the store and unseals its material, `pageSize` keys at a time.
    public func load(pageSize: Int = loadPageSize) async throws {
        var fresh = State()
        var position: Int64? = nil
        while true {
            let page = try await store.keys(after: position, limit: pageSize)
            try take(page, into: &fresh)
            guard let last = page.last, page.keys.count == pageSize else { break }
            position = last
        }
        let attachments = try await store.loadAttachments()
        for grant in attachments.grants {
            fresh.grants[grant.slot, default: [:]][grant.grantId] = grant
        }
        for alias in attachments.aliases {
            fresh.aliases[AliasID(accountId: alias.accountId, region: alias.region, name: alias.aliasName)] = alias
        }
        fresh.imports = try restoreImports(attachments.importTokens)
        state.withLock { $0 = fresh }
        sweepMemo.withLock { $0 = nil }
    }

    /// Keys read from the store per query at start: enough to keep the round trips few, few
    /// enough that one page's rows and decoded documents stay small.
    public static let loadPageSize = 1_000

    private func take(_ page: KeyStorePage, into fresh: inout State) throws {
        // Materials are stored by key slot; the vault binds them to the key id (which related
        // multi-Region keys share, so their material is sealed alike in every region).
        let keys = Dictionary(page.keys.map { ($0.slot, $0) }, uniquingKeysWith: { a, _ in a })
        var materialsByKey: [String: [String: KeyMaterial]] = [:]
        for m in page.materials {
            guard let key = keys[m.keyId] else { continue }
            let secret = try vault.open(m.sealed, context: Self.vaultContext(keyId: key.keyId, materialId: m.materialId))
            materialsByKey[m.keyId, default: [:]][m.materialId] = try secret.withUnsafeBytes {
                try KeyMaterial(spec: key.keySpec, stored: $0)
            }
        }
        for key in page.keys {
            fresh.keys[key.slot] = LiveKey(key: key, materials: materialsByKey[key.slot] ?? [:])
        }
    }

    /// What the vault binds a key's sealed material to.
    static func vaultContext(keyId: String, materialId: String) -> String {
        "kms:key:\(keyId):material:\(materialId)"
    }

    // MARK: - Helpers shared by the operations

    func now() -> Date { clock.now }

    /// Asks the authorizer; when it says no, a grant on the key for the caller may still allow.
    func authorize(
        _ action: String, key: KMSKey?, caller: Caller, context: EncryptionContext? = nil,
        conditionKeys: [String: [String]] = [:]
    ) throws(AWSError) {
        // What AWS keeps inside the key's own account: no key policy or grant opens it to another.
        if let key, key.accountId != caller.accountId, !Self.crossAccountActions.contains(action) {
            throw .accessDenied(
                AccessDeniedMessage.text(
                    KMSAccessRequest(action: action, key: key, caller: caller),
                    because: "\(action) cannot be performed on a KMS key in a different AWS account"))
        }
        var conditionKeys = conditionKeys
        if let key {
            let names = state.withLock { $0.aliases.names(of: key.slot) }
            if !names.isEmpty { conditionKeys["kms:ResourceAliases"] = names }
        }
        let request = KMSAccessRequest(
            action: action, key: key, caller: caller, encryptionContext: context, conditionKeys: conditionKeys)
        guard let denial = authorizer.authorize(request) else { return }
        if let key, grantAllows(request, key: key) { return }
        throw denial
    }

    /// The operations AWS allows on another account's key ("Cross-account use: Yes"), given the
    /// key policy's (and the caller's IAM policy's) permission.
    static let crossAccountActions: Set<String> = [
        "kms:CreateGrant", "kms:Decrypt", "kms:DeriveSharedSecret", "kms:DescribeKey", "kms:Encrypt",
        "kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext",
        "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateMac", "kms:GetKeyRotationStatus", "kms:GetPublicKey",
        "kms:ListGrants", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant", "kms:Sign",
        "kms:Verify", "kms:VerifyMac",
    ]

    func grantAllows(_ request: KMSAccessRequest, key: KMSKey) -> Bool {
        let grants = state.withLock { $0.grants[key.slot].map { Array($0.values) } ?? [] }
        return grants.contains {
            GrantRules.covers(
                $0, operation: request.operation, principalArn: request.caller.principal.arn, context: request.encryptionContext)
        }
    }

    /// What a new key policy must pass beyond its grammar: every principal it names exists, and
    /// (unless the caller bypasses the lockout safety check) the key policy itself lets the
    /// caller put a key policy again, directly or through its account (IAM policies aside).
    func checkNewPolicy(_ document: String, for key: KMSKey, caller: Caller, bypassLockoutCheck: Bool) async throws(AWSError) {
        for arn in KeyPolicyRules.namedPrincipals(document) where await !principals.exists(principalArn: arn) {
            throw .malformedPolicyDocument("Policy contains a statement with one or more invalid principals.")
        }
        guard !bypassLockoutCheck else { return }
        var candidate = key
        candidate.policy = document
        var asKeyPolicySees = caller
        asKeyPolicySees.identityPolicies = [KeyPolicyRules.allowPutKeyPolicy]
        asKeyPolicySees.sessionPolicy = nil
        asKeyPolicySees.permissionsBoundary = nil
        let request = KMSAccessRequest(action: "kms:PutKeyPolicy", key: candidate, caller: asKeyPolicySees)
        if authorizer.authorize(request) != nil {
            throw .malformedPolicyDocument(
                "The new key policy will not allow you to update the key policy in the future.")
        }
    }

    func checkState(_ operation: KeyStateRules.Operation, _ key: KMSKey) throws(AWSError) {
        if let refusal = KeyStateRules.refusal(operation, state: key.keyState, keyArn: key.arn) {
            throw AWSError.from(refusal)
        }
    }

    /// Commits `batch`; any store failure becomes an internal error (details to the log only).
    func persist(_ batch: KeyStoreBatch) async throws(AWSError) {
        guard !batch.isEmpty else { return }
        // A key's document carries its latest usage, which the in-memory record does not hold.
        var batch = batch
        let usage = state.withLock { state in batch.putKeys.map { state.keys[$0.slot]?.lastUsage } }
        for (i, latest) in usage.enumerated() where latest != nil { batch.putKeys[i].lastUsage = latest }
        do {
            try await store.apply(batch)
        } catch {
            logger.error("kms store write failed", metadata: ["error": "\(error)"])
            // KMS's own error for a fault on its side (HTTP 500), which SDKs know to retry.
            throw AWSError(
                code: "KMSInternalException", message: "The key store could not record the change; retry later.",
                httpStatus: 500)
        }
    }

    /// Runs a change under the write lock so that nothing interleaves with it.
    func change<T: Sendable>(_ body: () async throws(AWSError) -> T) async throws(AWSError) -> T {
        do {
            return try await writeLock.withLock { () async throws -> T in try await body() }
        } catch let error as AWSError {
            throw error
        } catch {
            throw .kmsInternal
        }
    }

    /// Fresh material for a key of `spec`, sealed for the store, with its new material id.
    func newMaterial(
        keyId: String, slot: String, spec: KeySpec = .symmetricDefault
    ) throws(AWSError) -> (
        KeyMaterial, SealedMaterial, String
    ) {
        let material = try KeyMaterial.generate(spec)
        let (sealed, materialId) = try seal(material, keyId: keyId, slot: slot)
        return (material, sealed, materialId)
    }

    /// Seals `material` for the store (in the key's `slot`) under a new random material id, or
    /// `materialId`.
    func seal(
        _ material: KeyMaterial, keyId: String, slot: String, materialId: String? = nil
    ) throws(AWSError) -> (SealedMaterial, String) {
        let materialId = materialId ?? Hex.encode(Self.randomBytes(32))
        var secret = material.secret
        defer { Zeroize.array(&secret) }
        do {
            let sealed = try vault.seal(secret, context: Self.vaultContext(keyId: keyId, materialId: materialId))
            return (SealedMaterial(keyId: slot, materialId: materialId, sealed: sealed), materialId)
        } catch {
            throw .kmsInternal
        }
    }

    /// The key held in `slot` (`KMSKey.slot`).
    func live(slot: String) -> LiveKey? {
        state.withLock { $0.keys[slot] }
    }
}
