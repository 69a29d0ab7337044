import AWSProtocol
import Benchmark
import Crypto
import EventPatterns
import Foundation
@_spi(Benchmarks) import KMS
import KMSCiphertext
import Policy

/// The pieces every request goes through, measured alone with their allocations: SigV4
/// verification, the JSON of an Encrypt call, policy evaluation, and sealing and opening a
/// ciphertext; and one event against 1, 100 and 10,000 EventBridge rules, through `RuleIndex` and
/// by running every rule (the ratio is the figure to watch). With `RAMPART_BENCH_SMOKE` set (CI), each runs briefly: a check that they build, run and
/// give the right answers, not a measurement.
let benchmarks: @Sendable () -> Void = {
    let smoke = ProcessInfo.processInfo.environment["RAMPART_BENCH_SMOKE"] != nil
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: smoke ? .milliseconds(100) : .seconds(3), maxIterations: smoke ? 100 : 1_000_000)

    let body = Array(#"{"KeyId":"alias/orders","Plaintext":"aGVsbG8gd29ybGQ=","EncryptionContext":{"app":"orders"}}"#.utf8)
    let signer = SigV4Signer(
        accessKeyId: "AKIAEXAMPLE000000000", secretAccessKey: "secret/secret/secret/secret/secret/secret",
        sessionToken: nil, region: "us-east-1", service: "kms")
    let now = Date()
    let headers = signer.sign(
        method: "POST", url: URL(string: "http://127.0.0.1:4566/")!,
        headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "TrentService.Encrypt")], body: body,
        date: now)
    let request = SigV4Request(
        method: "POST", path: "/", query: "", headers: headers, payloadSHA256: Hex.encode(SHA256.hash(data: body)))
    let signingKey = SigV4.signingKey(
        secretAccessKey: "secret/secret/secret/secret/secret/secret", date: String(SigV4.formatAmzDate(now).prefix(8)),
        region: "us-east-1", service: "kms")

    Benchmark("SigV4 parse and verify (cached signing key)") { benchmark in
        for _ in benchmark.scaledIterations {
            let auth = try SigV4.parse(request)
            try SigV4.verify(auth, request: request, signingKey: signingKey, now: now)
            blackHole(auth)
        }
    }

    Benchmark("JSON decode of an Encrypt request") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try JSONParser.parse(body)) }
    }

    let response: JSONValue = [
        "CiphertextBlob": .string(Base64.encode([UInt8](repeating: 7, count: 150))),
        "KeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    ]
    Benchmark("JSON encode of an Encrypt response") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(response.serialized()) }
    }

    // The three hot answers as the handler builds them (a generated output shape, then its
    // JSON), next to the dictionary literals they replaced, each written to bytes: the pair's
    // ratio is the figure to watch (issue 19: typed answers must not slow these calls).
    let blob = [UInt8](repeating: 7, count: 150)
    let dataKey = [UInt8](repeating: 9, count: 32)
    let keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    let materialId = String(repeating: "a", count: 64)
    precondition(
        KMSHotAnswers.encrypt(ciphertextBlob: blob, keyArn: keyArn, algorithm: "SYMMETRIC_DEFAULT") == [
            "CiphertextBlob": .string(Base64.encode(blob)), "KeyId": .string(keyArn), "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        ], "the typed Encrypt answer must be the literal's")
    Benchmark("KMS answer: Encrypt, generated shape") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(
                KMSHotAnswers.encrypt(ciphertextBlob: blob, keyArn: keyArn, algorithm: "SYMMETRIC_DEFAULT").serialized())
        }
    }
    Benchmark("KMS answer: Encrypt, dictionary literal") { benchmark in
        for _ in benchmark.scaledIterations {
            let literal: JSONValue = [
                "CiphertextBlob": .string(Base64.encode(blob)), "KeyId": .string(keyArn),
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            ]
            blackHole(literal.serialized())
        }
    }
    Benchmark("KMS answer: Decrypt, generated shape") { benchmark in
        for _ in benchmark.scaledIterations {
            var plaintext = dataKey
            blackHole(
                KMSHotAnswers.decrypt(
                    plaintext: &plaintext, keyArn: keyArn, keyMaterialId: materialId, algorithm: "SYMMETRIC_DEFAULT"
                ).serialized())
        }
    }
    Benchmark("KMS answer: Decrypt, dictionary literal") { benchmark in
        for _ in benchmark.scaledIterations {
            var plaintext = dataKey
            var literal: [String: JSONValue] = [
                "Plaintext": .string(Base64.encode(plaintext)), "KeyId": .string(keyArn),
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            ]
            literal["KeyMaterialId"] = .string(materialId)
            plaintext.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }  // Zeroize.array
            blackHole(JSONValue.object(literal).serialized())
        }
    }
    Benchmark("KMS answer: GenerateDataKey, generated shape") { benchmark in
        for _ in benchmark.scaledIterations {
            var plaintext: [UInt8]? = dataKey
            blackHole(
                KMSHotAnswers.generateDataKey(
                    ciphertextBlob: blob, plaintext: &plaintext, keyArn: keyArn, keyMaterialId: materialId
                ).serialized())
        }
    }
    Benchmark("KMS answer: GenerateDataKey, dictionary literal") { benchmark in
        for _ in benchmark.scaledIterations {
            var plaintext: [UInt8]? = dataKey
            var literal: [String: JSONValue] = [
                "CiphertextBlob": .string(Base64.encode(blob)), "KeyId": .string(keyArn),
            ]
            literal["KeyMaterialId"] = .string(materialId)
            literal["Plaintext"] = .string(Base64.encode(plaintext!))
            plaintext!.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }  // Zeroize.optional
            blackHole(JSONValue.object(literal).serialized())
        }
    }

    let keyPolicy = try! PolicyDocument.parse(KeyPolicyRules.defaultPolicy(accountId: "111122223333"), kind: .keyPolicy)
    let identity = try! PolicyDocument.parse(
        #"""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],
         "Resource":"arn:aws:kms:us-east-1:111122223333:key/*",
         "Condition":{"StringEquals":{"kms:EncryptionContext:app":"orders"},"Bool":{"aws:SecureTransport":"false"}}}]}
        """#, kind: .identity)
    let context = RequestContext(
        action: "kms:Encrypt", resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        principalArn: "arn:aws:iam::111122223333:user/alice", principalAccount: "111122223333",
        principalIdentifiers: ["arn:aws:iam::111122223333:user/alice"],
        conditionKeys: ["kms:EncryptionContext:app": ["orders"], "aws:SecureTransport": ["false"]])
    // What is measured must be the path taken when the call is allowed.
    precondition(
        PolicyEvaluation.evaluate(
            identityPolicies: [identity], resourcePolicy: keyPolicy, sessionPolicy: nil, context: context,
            resourceAccount: "111122223333", isRootPrincipal: false
        ).isAllowed, "the benchmark's policies must allow its request")
    Benchmark("Policy evaluation: key policy delegating to an IAM policy with conditions") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(
                PolicyEvaluation.evaluate(
                    identityPolicies: [identity], resourcePolicy: keyPolicy, sessionPolicy: nil, context: context,
                    resourceAccount: "111122223333", isRootPrincipal: false))
        }
    }

    let material = SymmetricKey(size: .bits256)
    let encryptionContext = EncryptionContext(["app": "orders"])
    for size in [100, 4096] {
        let plaintext = [UInt8](repeating: 1, count: size)
        let sealed = try! SymmetricCiphertext.seal(
            plaintext, material: material, accountId: "111122223333", region: "us-east-1",
            keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", materialId: String(repeating: "a", count: 64),
            context: encryptionContext
        ).bytes
        precondition(
            (try? SymmetricCiphertext.parse(sealed)?.open(material: material, context: encryptionContext)) == plaintext,
            "a sealed ciphertext must open to its plaintext")
        Benchmark("Ciphertext seal \(size) B") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(
                    try SymmetricCiphertext.seal(
                        plaintext, material: material, accountId: "111122223333", region: "us-east-1",
                        keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", materialId: String(repeating: "a", count: 64),
                        context: encryptionContext))
            }
        }
        Benchmark("Ciphertext parse and open \(size) B") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try SymmetricCiphertext.parse(sealed)!.open(material: material, context: encryptionContext))
            }
        }
    }

    // One event against many rules: the index against running each rule, in the same run.
    let ruleConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput], maxDuration: smoke ? .milliseconds(100) : .seconds(1),
        maxIterations: smoke ? 10 : 100_000)
    let event = EventPatternWorkload.event
    for count in [1, 100, 10_000] {
        let index = EventPatternWorkload.index(EventPatternWorkload.rules(count))
        precondition(
            Set(index.matching(event)) == Set(index.matchingByScan(event)), "the index must find what a scan finds")
        Benchmark("EventBridge rules: RuleIndex, \(count) rules", configuration: ruleConfiguration) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(index.matching(event)) }
        }
        Benchmark("EventBridge rules: linear scan, \(count) rules", configuration: ruleConfiguration) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(index.matchingByScan(event)) }
        }
    }
}
