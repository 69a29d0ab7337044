public import Foundation

extension SigV4 {
    /// `date` as SigV4 writes it, `yyyyMMdd'T'HHmmss'Z'` in UTC (fractions of a second dropped).
    public static func formatAmzDate(_ date: Date) -> String { AmzDate.format(date) }
}

/// SigV4 timestamps: `X-Amz-Date` (`yyyyMMdd'T'HHmmss'Z'`) and the HTTP `Date` header, parsed
/// and written without `DateFormatter` (which is slow and locale-dependent).
enum AmzDate {
    /// Parses `yyyyMMdd'T'HHmmss'Z'` strictly: 16 characters, a real calendar date and time.
    static func parse(_ text: String) -> Date? {
        text.withContiguousUTF8 { b -> Date? in
            guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z"),
                let year = number(b, 0, 4), let month = number(b, 4, 2), let day = number(b, 6, 2),
                let hour = number(b, 9, 2), let minute = number(b, 11, 2), let second = number(b, 13, 2)
            else { return nil }
            return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: 0)
        }
    }

    /// Parses an HTTP `Date` header: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), also with a
    /// numeric zone (`-0000`, as Python's `email.utils.formatdate` writes it, which botocore uses)
    /// and without the weekday.
    static func parseHTTPDate(_ text: String) -> Date? {
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        if let first = tokens.first, first.hasSuffix(",") { tokens = tokens.dropFirst() }
        guard tokens.count == 5 else { return nil }
        let dayText = tokens[tokens.startIndex]
        let monthText = tokens[tokens.startIndex + 1]
        let yearText = tokens[tokens.startIndex + 2]
        let timeText = tokens[tokens.startIndex + 3]
        let zoneText = tokens[tokens.startIndex + 4]
        guard (1...2).contains(dayText.utf8.count), let day = Int(dayText), yearText.utf8.count == 4, let year = Int(yearText),
            let month = monthNumber(monthText), let offset = zoneOffset(zoneText)
        else { return nil }
        let time = timeText.split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 3, time.allSatisfy({ $0.utf8.count == 2 && $0.utf8.allSatisfy(isDigit) }),
            let hour = Int(time[0]), let minute = Int(time[1]), let second = Int(time[2])
        else { return nil }
        return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: offset)
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    static func format(_ date: Date) -> String {
        write(date, separators: false, milliseconds: false)
    }

    /// `date` in UTC, as `yyyyMMdd'T'HHmmss'Z'` or (with `separators`) ISO 8601's
    /// `yyyy-MM-dd'T'HH:mm:ss[.SSS]'Z'`; years clamped to 0001...9999 so nothing can trap.
    static func write(_ date: Date, separators: Bool, milliseconds: Bool) -> String {
        let interval = date.timeIntervalSince1970
        let clamped = interval.isFinite ? min(max(interval, -62_135_596_800), 253_402_300_799) : 0
        let seconds = Int(clamped.rounded(.down))
        var millis = min(999, Int(((clamped - clamped.rounded(.down)) * 1000).rounded()))
        if !milliseconds { millis = 0 }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendDigits(year, width: 4, to: &out)
        if separators { out.append(UInt8(ascii: "-")) }
        appendDigits(month, width: 2, to: &out)
        if separators { out.append(UInt8(ascii: "-")) }
        appendDigits(day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, width: 2, to: &out)
        if separators { out.append(UInt8(ascii: ":")) }
        appendDigits(secondOfDay % 3600 / 60, width: 2, to: &out)
        if separators { out.append(UInt8(ascii: ":")) }
        appendDigits(secondOfDay % 60, width: 2, to: &out)
        if milliseconds {
            out.append(UInt8(ascii: "."))
            appendDigits(millis, width: 3, to: &out)
        }
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian, Howard Hinnant's algorithms)

    private static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offset: Int) -> Date? {
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60,
            second < 60
        else { return nil }
        let seconds = days(fromCivil: year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    // MARK: - Lexing

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private static func number(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ width: Int) -> Int? {
        var n = 0
        for i in start..<(start + width) {
            guard isDigit(b[i]) else { return nil }
            n = n * 10 + Int(b[i] &- UInt8(ascii: "0"))
        }
        return n
    }

    private static func appendDigits(_ value: Int, width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func monthNumber(_ text: Substring) -> Int? {
        guard text.utf8.count == 3, let index = months.firstIndex(of: text.lowercased()) else { return nil }
        return index + 1
    }

    /// Seconds east of UTC for `GMT`, `UT`, `UTC`, `Z` or `±hhmm`.
    private static func zoneOffset(_ text: Substring) -> Int? {
        switch text {
        case "GMT", "UT", "UTC", "Z": return 0
        default: break
        }
        let b = Array(text.utf8)
        guard b.count == 5, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[1...].allSatisfy(isDigit) else {
            return nil
        }
        let hours = Int(b[1] &- 48) * 10 + Int(b[2] &- 48)
        let minutes = Int(b[3] &- 48) * 10 + Int(b[4] &- 48)
        guard hours < 24, minutes < 60 else { return nil }
        let offset = hours * 3600 + minutes * 60
        return b[0] == UInt8(ascii: "-") ? -offset : offset
    }
}
