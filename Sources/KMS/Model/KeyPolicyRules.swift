public import AWSProtocol
import Policy

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

    /// An identity policy allowing kms:PutKeyPolicy: what the lockout safety check assumes of the
    /// caller's IAM policies, so that only the key policy decides.
    public static let allowPutKeyPolicy =
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:PutKeyPolicy","Resource":"*"}]}"#

    /// The IAM principals a policy names one by one (users, roles, sessions): not `*`, not whole
    /// accounts, not services. These must exist.
    public static func namedPrincipals(_ document: String) -> [String] {
        guard let policy = try? PolicyDocument.parse(document, kind: .keyPolicy) else { return [] }
        var arns: [String] = []
        for statement in policy.statements {
            for element in [statement.principal, statement.notPrincipal] {
                guard case .principals(let principals)? = element else { continue }
                for p in principals where p.kind == .aws && p.value != "*" && p.accountId == nil && !arns.contains(p.value) {
                    arns.append(p.value)
                }
            }
        }
        return arns
    }

    /// Returns `document` unchanged if it is a well-formed policy; otherwise AWS's error.
    public static func validate(_ document: String) throws(AWSError) -> String {
        if document.utf8.count > maxSize {
            throw .kmsLimitExceeded("The key policy exceeds the maximum size of \(maxSize) bytes")
        }
        do {
            _ = try PolicyDocument.parse(document, kind: .keyPolicy)
        } catch {
            throw .malformedPolicyDocument(error.message)
        }
        return document
    }
}
