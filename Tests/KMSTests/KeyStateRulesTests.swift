import KMS
import Testing

@Suite("Key state table")
struct KeyStateRulesTests {
    typealias Op = KeyStateRules.Operation
    let arn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    /// The expected outcome of every operation in every state of a customer managed symmetric key,
    /// from AWS's key state table: nil = allowed, "D" = DisabledException, "I" = KMSInvalidStateException.
    static let table: [Op: [KeyState: String?]] = [
        .cryptographic: [.enabled: nil, .disabled: "D", .pendingDeletion: "I", .pendingImport: "I"],
        .describeKey: [.enabled: nil, .disabled: nil, .pendingDeletion: nil, .pendingImport: nil],
        .enableKey: [.enabled: nil, .disabled: nil, .pendingDeletion: "I", .pendingImport: "I"],
        .disableKey: [.enabled: nil, .disabled: nil, .pendingDeletion: "I", .pendingImport: "I"],
        .scheduleKeyDeletion: [.enabled: nil, .disabled: nil, .pendingDeletion: "I", .pendingImport: nil],
        .cancelKeyDeletion: [.enabled: "I", .disabled: "I", .pendingDeletion: nil, .pendingImport: "I"],
        .enableKeyRotation: [.enabled: nil, .disabled: "D", .pendingDeletion: "I", .pendingImport: "I"],
        .disableKeyRotation: [.enabled: nil, .disabled: "D", .pendingDeletion: "I", .pendingImport: "I"],
        .getKeyRotationStatus: [.enabled: nil, .disabled: nil, .pendingDeletion: nil, .pendingImport: nil],
        .rotateKeyOnDemand: [.enabled: nil, .disabled: "D", .pendingDeletion: "I", .pendingImport: "I"],
        .listKeyRotations: [.enabled: nil, .disabled: nil, .pendingDeletion: nil, .pendingImport: nil],
        .updateKeyDescription: [.enabled: nil, .disabled: nil, .pendingDeletion: "I", .pendingImport: nil],
        .tagResource: [.enabled: nil, .disabled: nil, .pendingDeletion: "I", .pendingImport: nil],
        .untagResource: [.enabled: nil, .disabled: nil, .pendingDeletion: "I", .pendingImport: nil],
        .listResourceTags: [.enabled: nil, .disabled: nil, .pendingDeletion: nil, .pendingImport: nil],
        .createAlias: [.enabled: nil, .disabled: nil, .pendingDeletion: "I", .pendingImport: nil],
        .updateAlias: [.enabled: nil, .disabled: nil, .pendingDeletion: "I", .pendingImport: nil],
        .deleteAlias: [.enabled: nil, .disabled: nil, .pendingDeletion: nil, .pendingImport: nil],
        .getKeyPolicy: [.enabled: nil, .disabled: nil, .pendingDeletion: nil, .pendingImport: nil],
        .putKeyPolicy: [.enabled: nil, .disabled: nil, .pendingDeletion: nil, .pendingImport: nil],
        .listKeyPolicies: [.enabled: nil, .disabled: nil, .pendingDeletion: nil, .pendingImport: nil],
        .getKeyLastUsage: [.enabled: nil, .disabled: nil, .pendingDeletion: nil, .pendingImport: nil],
        // Multi-Region keys: a replica may be made of a primary waiting for its imported material.
        .replicateKey: [.enabled: nil, .disabled: "D", .pendingDeletion: "I", .pendingImport: nil],
        .updatePrimaryRegion: [.enabled: nil, .disabled: "D", .pendingDeletion: "I", .pendingImport: "I"],
    ]

    @Test(
        "every operation in every state", arguments: Op.allCases, [KeyState.enabled, .disabled, .pendingDeletion, .pendingImport])
    func cell(op: Op, state: KeyState) throws {
        let row = try #require(Self.table[op], "no expectation for \(op)")
        let expected = try #require(row[state], "no expectation for \(op) in \(state)")
        let refusal = KeyStateRules.refusal(op, state: state, keyArn: arn)
        switch expected {
        case nil: #expect(refusal == nil)
        case "D": #expect(refusal == .disabled(arn))
        default:
            guard case .invalidState(let refusedArn, _)? = refusal else {
                Issue.record("expected KMSInvalidStateException for \(op) in \(state), got \(String(describing: refusal))")
                return
            }
            #expect(refusedArn == arn)
        }
    }

    /// A multi-Region primary waiting for its replicas' deletion is treated as one pending deletion.
    @Test("PendingReplicaDeletion as PendingDeletion", arguments: Op.allCases)
    func pendingReplicaDeletion(op: Op) {
        let asReplica = KeyStateRules.refusal(op, state: .pendingReplicaDeletion, keyArn: arn)
        switch KeyStateRules.refusal(op, state: .pendingDeletion, keyArn: arn) {
        case nil: #expect(asReplica == nil)
        case .disabled: Issue.record("no operation is DisabledException when pending deletion")
        case .invalidState(_, let why):
            let expected = why == "is pending deletion" ? "is pending replica deletion" : why
            #expect(asReplica == .invalidState(arn, expected))
        }
    }
}
