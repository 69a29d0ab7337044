import AWSProtocol
import Foundation
import Identity
import KMS
import RampartCore

/// Development-only operations, served only with `serve --dev-clock`: moving the service clock
/// forward so that time rules (deletion, rotation, expiry) can be exercised in tests.
/// Signed with SigV4 under the signing name `rampart`; any account's root may call it.
struct DevAPI: JSONServiceAPI {
    let clock: AdjustableClock
    let kms: KeyManagementService
    let signingName = "rampart"
    let targetPrefix = "RampartDev_20261129"
    let validator = RequestValidator(model: DevAPI.model)

    static let model = try! ServiceModel(
        json: #"""
            {"operations":{"AdvanceClock":{"input":"AdvanceClockRequest"},"GetClock":{"input":null}},
             "shapes":{"AdvanceClockRequest":{"type":"structure","required":["Seconds"],"members":{"Seconds":"Seconds"}},
                       "Seconds":{"type":"long","min":0,"max":3153600000}},"errors":{}}
            """#)

    func handle(operation: String, input: RequestInput, caller: Caller, requestId: String) async throws(AWSError) -> JSONValue {
        guard caller.principal.kind == .root else {
            throw .accessDenied("Only an account's root may move the development clock.")
        }
        if operation == "AdvanceClock" {
            clock.advance(by: TimeInterval(input.int("Seconds") ?? 0))
            await kms.sweep()
        }
        return ["Now": Timestamp.epochSeconds(clock.now), "OffsetSeconds": .double(clock.offsetSeconds)]
    }
}
