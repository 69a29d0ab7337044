public import AWSProtocol

/// AWS's rules for tags on KMS keys.
public enum TagRules {
    public static let maxTagsPerKey = 50

    /// Refuses reserved or duplicate keys in one request.
    public static func validate(_ tags: [Tag]) throws(AWSError) {
        var seen = Set<String>()
        for tag in tags {
            if tag.key.lowercased().hasPrefix("aws:") {
                throw .tagException("Tags beginning with aws: are reserved")
            }
            guard seen.insert(tag.key).inserted else {
                throw .tagException("Duplicate tag keys")
            }
        }
        if tags.count > maxTagsPerKey { throw tooManyTags() }
    }

    /// AWS's refusal when a key would carry more than `maxTagsPerKey` tags.
    public static func tooManyTags() -> AWSError { .tagException("Too many tags") }

    /// `existing` with `new` added; a new value replaces the old one for the same key.
    public static func merge(_ existing: [Tag], _ new: [Tag]) -> [Tag] {
        var result = existing
        for tag in new {
            if let i = result.firstIndex(where: { $0.key == tag.key }) {
                result[i].value = tag.value
            } else {
                result.append(tag)
            }
        }
        return result
    }
}
