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
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let base = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        if fractional {
            let ms = min(999, Int((Double(c.nanosecond ?? 0) / 1_000_000).rounded()))
            return base + String(format: ".%03dZ", ms)
        }
        return base + "Z"
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
