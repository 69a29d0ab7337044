/// The condition keys a request that sets or removes tags carries: `aws:RequestTag/<key>` for each
/// tag it sets and `aws:TagKeys` for every key it names.
public enum RequestTags {
    public static func conditionKeys(tags: [(key: String, value: String)], removing: [String] = []) -> [String: [String]] {
        var keys: [String: [String]] = [:]
        for tag in tags { keys["aws:RequestTag/\(tag.key)"] = [tag.value] }
        let names = tags.map(\.key) + removing
        if !names.isEmpty { keys["aws:TagKeys"] = names }
        return keys
    }
}
