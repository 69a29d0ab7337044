import Foundation

/// A rule's `ScheduleExpression`, parsed: `rate(value unit)` or AWS's six-field
/// `cron(minutes hours day-of-month month day-of-week year)`, in UTC. Pure: the next time it
/// fires is computed from a time given, never from a clock read here.
struct ScheduleExpression: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case rate(seconds: Int)
        case cron(Cron)
    }

    let kind: Kind
    let text: String

    /// nil when `text` is not an expression EventBridge accepts.
    init?(_ text: String) {
        self.text = text
        if text.hasPrefix("rate("), text.hasSuffix(")") {
            let inner = text.dropFirst(5).dropLast().split(separator: " ", omittingEmptySubsequences: true)
            guard inner.count == 2, let value = Int(inner[0]), value > 0, value <= 1_000_000 else { return nil }
            let unit = String(inner[1])
            // AWS wants the singular for 1 and the plural otherwise.
            let seconds: Int
            switch unit {
            case "minute" where value == 1, "minutes" where value != 1: seconds = 60
            case "hour" where value == 1, "hours" where value != 1: seconds = 3600
            case "day" where value == 1, "days" where value != 1: seconds = 86_400
            default: return nil
            }
            kind = .rate(seconds: value * seconds)
        } else if text.hasPrefix("cron("), text.hasSuffix(")") {
            guard let cron = Cron(String(text.dropFirst(5).dropLast())) else { return nil }
            kind = .cron(cron)
        } else {
            return nil
        }
    }

    /// The first time after `date` the schedule fires (rates count from `date`), or nil when a
    /// cron expression never fires again.
    func next(after date: Date) -> Date? {
        switch kind {
        case .rate(let seconds): return date.addingTimeInterval(TimeInterval(seconds))
        case .cron(let cron): return cron.next(after: date)
        }
    }
}

/// AWS's cron: minutes (0-59), hours (0-23), day of month (1-31, `L`), month (1-12 or JAN-DEC),
/// day of week (1-7 = SUN-SAT, or names), year (1970-2199). One of day of month and day of
/// week must be `?`. Fields take `*`, lists, ranges and `/` increments.
struct Cron: Sendable, Equatable {
    var minutes: Set<Int>
    var hours: Set<Int>
    /// nil for `?`.
    var daysOfMonth: Set<Int>?
    var lastDayOfMonth: Bool
    var months: Set<Int>
    /// nil for `?`; 1 = Sunday.
    var daysOfWeek: Set<Int>?
    var years: Set<Int>

    init?(_ text: String) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 6 else { return nil }
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        let days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        guard let minutes = Self.field(fields[0], 0...59), let hours = Self.field(fields[1], 0...23),
            let month = Self.field(fields[3], 1...12, names: months), let years = Self.field(fields[5], 1970...2199)
        else { return nil }
        let domQuestion = fields[2] == "?"
        let dowQuestion = fields[4] == "?"
        guard domQuestion != dowQuestion else { return nil }
        self.minutes = minutes
        self.hours = hours
        self.months = month
        self.years = years
        lastDayOfMonth = fields[2] == "L"
        if domQuestion || lastDayOfMonth {
            daysOfMonth = domQuestion ? nil : []
        } else {
            guard let dom = Self.field(fields[2], 1...31) else { return nil }
            daysOfMonth = dom
        }
        if dowQuestion {
            daysOfWeek = nil
        } else {
            guard let dow = Self.field(fields[4], 1...7, names: days) else { return nil }
            daysOfWeek = dow
        }
    }

    private static func field(_ text: String, _ range: ClosedRange<Int>, names: [String] = []) -> Set<Int>? {
        func value(_ s: Substring) -> Int? {
            if let n = Int(s), range.contains(n) { return n }
            if let i = names.firstIndex(of: s.uppercased()) { return range.lowerBound + i }
            return nil
        }
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = part.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { return nil }
            var step = 1
            if stepParts.count == 2 {
                guard let s = Int(stepParts[1]), s > 0, s <= range.count else { return nil }
                step = s
            }
            let base = stepParts[0]
            let bounds: (lower: Int, upper: Int)
            if base == "*" {
                bounds = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                guard let a = value(base[..<dash]), let b = value(base[base.index(after: dash)...]), a <= b else { return nil }
                bounds = (a, b)
            } else {
                guard let a = value(base) else { return nil }
                bounds = (a, stepParts.count == 2 ? range.upperBound : a)
            }
            var n = bounds.lower
            while n <= bounds.upper {
                out.insert(n)
                n += step
            }
        }
        return out.isEmpty ? nil : out
    }

    private static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// The first whole minute after `date` that the expression names.
    func next(after date: Date) -> Date? {
        let calendar = Self.calendar
        let start = date.addingTimeInterval(60 - date.timeIntervalSince1970.truncatingRemainder(dividingBy: 60))
        var day = calendar.startOfDay(for: start)
        let sortedHours = hours.sorted()
        let sortedMinutes = minutes.sorted()
        // Scan day by day (at most a few years ahead), then the hours and minutes of a matching day.
        for _ in 0..<(366 * 30) {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            guard let year = parts.year, let month = parts.month, let dom = parts.day, let weekday = parts.weekday else {
                return nil
            }
            if year > (years.max() ?? 2199) { return nil }
            if years.contains(year), months.contains(month), matchesDay(dom: dom, weekday: weekday, day: day) {
                for hour in sortedHours {
                    for minute in sortedMinutes {
                        let candidate = day.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
                        if candidate >= start { return candidate }
                    }
                }
            }
            guard let nextDay = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = nextDay
        }
        return nil
    }

    private func matchesDay(dom: Int, weekday: Int, day: Date) -> Bool {
        if let daysOfWeek { return daysOfWeek.contains(weekday) }
        if lastDayOfMonth {
            guard let range = Self.calendar.range(of: .day, in: .month, for: day) else { return false }
            return dom == range.upperBound - 1
        }
        return daysOfMonth?.contains(dom) ?? true
    }
}
