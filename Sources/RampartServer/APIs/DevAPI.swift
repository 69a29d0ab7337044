import AWSProtocol
import Foundation
import Identity
import RampartCore
import ServiceKit

/// Development-only operations, served only with `serve --dev-clock`: moving the service clock
/// forward so that time rules (deletion, rotation, expiry) can be exercised in tests.
/// Signed with SigV4 under the signing name `rampart`; any account's root may call it.
struct DevAPI: OperationHandler {
    let clock: AdjustableClock
    /// What runs on time, run at once after the clock moves (the key service's sweep, …).
    let sweeps: [@Sendable () async -> Void]

    static let model = try! ServiceModel(
        json: #"""
            {"operations":{"AdvanceClock":{"input":"AdvanceClockRequest"},"GetClock":{"input":null}},
             "shapes":{"AdvanceClockRequest":{"type":"structure","required":["Seconds"],"members":{"Seconds":"Seconds"}},
                       "Seconds":{"type":"long","min":0,"max":3153600000}},"errors":{}}
            """#)

    static func descriptor(clock: AdjustableClock, sweeps: [@Sendable () async -> Void]) -> ServiceDescriptor {
        ServiceDescriptor(
            signingName: "rampart", wire: .json(targetPrefix: "RampartDev_20261129"), model: model,
            operations: OperationTable(actionPrefix: "rampart", readOnly: ["GetClock"], changes: ["AdvanceClock"]),
            handler: DevAPI(clock: clock, sweeps: sweeps))
    }

    func handle(_ call: Invocation) async throws(AWSError) -> Reply {
        guard call.caller.principal.kind == .root else {
            throw .accessDenied("Only an account's root may move the development clock.")
        }
        if call.operation == "AdvanceClock" {
            clock.advance(by: TimeInterval(AdvanceClockRequest(call.input).seconds))
            for sweep in sweeps { await sweep() }
        }
        return .json(["Now": Timestamp.epochSeconds(clock.now), "OffsetSeconds": .double(clock.offsetSeconds)])
    }
}

/// AdvanceClock's input, typed as the generated shapes are (the dev API's model is written by
/// hand above, so is this).
struct AdvanceClockRequest {
    var seconds: Int

    init(_ input: RequestInput) {
        seconds = ShapeValue.int(input.members["Seconds"]) ?? 0
    }
}
