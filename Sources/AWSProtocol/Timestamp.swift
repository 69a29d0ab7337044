public import Foundation

/// The timestamp forms AWS protocols use.
public enum Timestamp {
    /// JSON 1.1 timestamps: epoch seconds, with milliseconds.
    public static func epochSeconds(_ date: Date) -> JSONValue {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        return .double(ms / 1000)
    }

    /// ISO 8601 with milliseconds and Z, as Query/XML responses and CloudTrail write them.
    public static func iso8601(_ date: Date, fractional: Bool = true) -> String {
        // Written by hand: Calendar and String(format:) cost more than the rest of a request's
        // timestamps together.
        AmzDate.write(date, separators: true, milliseconds: fractional)
    }

    /// Parses ISO 8601 (with or without fractional seconds) or epoch seconds in a string.
    public static func parse(_ text: String) -> Date? {
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = withFraction.date(from: text) { return d }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }
}
