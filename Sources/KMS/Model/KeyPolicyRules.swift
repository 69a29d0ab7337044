public import AWSProtocol

/// Key policy documents: AWS's default, and the checks a document must pass to be stored.
public enum KeyPolicyRules {
    /// The only policy name KMS knows.
    public static let policyName = "default"
    /// AWS's limit on a key policy document, in bytes.
    public static let maxSize = 32_768

    /// The policy a key gets when CreateKey names none, in AWS's own layout.
    public static func defaultPolicy(accountId: String) -> String {
        """
        {
          "Version" : "2012-10-17",
          "Id" : "key-default-1",
          "Statement" : [ {
            "Sid" : "Enable IAM User Permissions",
            "Effect" : "Allow",
            "Principal" : {
              "AWS" : "arn:aws:iam::\(accountId):root"
            },
            "Action" : "kms:*",
            "Resource" : "*"
          } ]
        }
        """
    }

    /// Returns `document` unchanged if it is a well-formed policy; otherwise AWS's error.
    public static func validate(_ document: String) throws(AWSError) -> String {
        if document.utf8.count > maxSize {
            throw .kmsLimitExceeded("The key policy exceeds the maximum size of \(maxSize) bytes")
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(Array(document.utf8), maxDepth: 32)
        } catch {
            throw .malformedPolicyDocument("The new key policy is not valid JSON.")
        }
        guard case .object(let members) = root else {
            throw .malformedPolicyDocument("The new key policy must be a JSON object.")
        }
        let statements: [JSONValue]
        switch members["Statement"] {
        case .array(let list)?: statements = list
        case .object?: statements = [members["Statement"]!]
        default: throw .malformedPolicyDocument("The new key policy has no Statement.")
        }
        guard !statements.isEmpty else { throw .malformedPolicyDocument("The new key policy has no Statement.") }
        for statement in statements {
            guard case .object(let s) = statement else {
                throw .malformedPolicyDocument("Each statement of the key policy must be a JSON object.")
            }
            guard let effect = s["Effect"]?.stringValue, effect == "Allow" || effect == "Deny" else {
                throw .malformedPolicyDocument("Policy contains a statement with an invalid Effect; it must be Allow or Deny.")
            }
            guard s["Action"] != nil || s["NotAction"] != nil else {
                throw .malformedPolicyDocument("Policy contains a statement with no Action.")
            }
            guard s["Principal"] != nil || s["NotPrincipal"] != nil else {
                throw .malformedPolicyDocument("Policy contains a statement with no Principal.")
            }
        }
        return document
    }
}
