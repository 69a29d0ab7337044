import AWSProtocol
import Foundation
import Identity
import ServiceKit

extension IAMAPI {
    /// Inline policies of users, groups and roles; managed policies, their versions and
    /// attachments; nil for other actions.
    func handlePolicies(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        if let response = try await handleInlinePolicies(action, call) { return response }
        if let response = try await handleAttachments(action, call) { return response }
        let account = call.account
        switch action {
        case "CreatePolicy":
            let request = IAMShapes.CreatePolicyRequest(call.input)
            let policy = try await iam.createPolicy(
                accountId: account, policyName: request.policyName, path: request.path, document: request.policyDocument,
                description: request.description, tags: Self.tags(request.tags), validate: validatePolicy)
            return .output(IAMShapes.CreatePolicyResponse(policy: Self.policy(policy, attachments: 0, boundaries: 0)))
        case "GetPolicy":
            let arn = IAMShapes.GetPolicyRequest(call.input).policyArn
            let policy = try await iam.getPolicy(accountId: account, arn: arn)
            let count = try await iam.attachmentCount(accountId: account, arn: arn)
            let boundaries = try await iam.permissionsBoundaryUsageCount(accountId: account, arn: arn)
            return .output(IAMShapes.GetPolicyResponse(policy: Self.policy(policy, attachments: count, boundaries: boundaries)))
        case "ListPolicies":
            let request = IAMShapes.ListPoliciesRequest(call.input)
            let scope: IAMService.PolicyScope =
                switch request.scope {
                case .aws: .aws
                case .local: .local
                case .all, nil: .all
                }
            let listed = try await iam.listPolicies(
                accountId: account, onlyAttached: request.onlyAttached ?? false, pathPrefix: request.pathPrefix,
                scope: scope)
            let policies = listed.map {
                Self.policy(
                    $0.policy, attachments: $0.attachmentCount, boundaries: $0.permissionsBoundaryUsageCount, listed: true)
            }
            return .output(IAMShapes.ListPoliciesResponse(policies: policies, isTruncated: false))
        case "DeletePolicy":
            try await iam.deletePolicy(accountId: account, arn: IAMShapes.DeletePolicyRequest(call.input).policyArn)
        case "CreatePolicyVersion":
            let request = IAMShapes.CreatePolicyVersionRequest(call.input)
            let version = try await iam.createPolicyVersion(
                accountId: account, arn: request.policyArn, document: request.policyDocument,
                setAsDefault: request.setAsDefault ?? false, validate: validatePolicy)
            let policy = try await iam.getPolicy(accountId: account, arn: request.policyArn)
            return .output(IAMShapes.CreatePolicyVersionResponse(policyVersion: Self.version(version, of: policy)))
        case "GetPolicyVersion":
            let request = IAMShapes.GetPolicyVersionRequest(call.input)
            let version = try await iam.getPolicyVersion(
                accountId: account, arn: request.policyArn, versionId: request.versionId)
            let policy = try await iam.getPolicy(accountId: account, arn: request.policyArn)
            return .output(IAMShapes.GetPolicyVersionResponse(policyVersion: Self.version(version, of: policy)))
        case "ListPolicyVersions":
            let policy = try await iam.getPolicy(
                accountId: account, arn: IAMShapes.ListPolicyVersionsRequest(call.input).policyArn)
            let versions = policy.versions.reversed().map { Self.version($0, of: policy, withDocument: false) }
            return .output(IAMShapes.ListPolicyVersionsResponse(versions: versions, isTruncated: false))
        case "DeletePolicyVersion":
            let request = IAMShapes.DeletePolicyVersionRequest(call.input)
            try await iam.deletePolicyVersion(accountId: account, arn: request.policyArn, versionId: request.versionId)
        case "SetDefaultPolicyVersion":
            let request = IAMShapes.SetDefaultPolicyVersionRequest(call.input)
            try await iam.setDefaultPolicyVersion(accountId: account, arn: request.policyArn, versionId: request.versionId)
        case "ListPolicyTags":
            let policy = try await iam.getPolicy(accountId: account, arn: IAMShapes.ListPolicyTagsRequest(call.input).policyArn)
            return .output(IAMShapes.ListPolicyTagsResponse(tags: Self.tags(policy.tags), isTruncated: false))
        case "ListEntitiesForPolicy":
            let request = IAMShapes.ListEntitiesForPolicyRequest(call.input)
            let arn = request.policyArn
            _ = try await iam.getPolicy(accountId: account, arn: arn)
            // PolicyUsageFilter: as a permissions policy (attached), as a boundary, or (absent) both.
            let usage = request.policyUsageFilter
            var owners: [PolicyOwner] = []
            if usage != .permissionsBoundary {
                owners += try await iam.attachments(accountId: account).filter { $0.1.contains(arn) }.map(\.0)
            }
            let groups = try await iam.listGroups(accountId: account, pathPrefix: nil)
            let roles = try await iam.listRoles(accountId: account, pathPrefix: nil)
            let users = try await iam.listUsers(accountId: account, pathPrefix: nil)
            if usage != .permissionsPolicy {
                owners += users.filter { $0.permissionsBoundary == arn }.map { .user($0.userName) }
                owners += roles.filter { $0.permissionsBoundary == arn }.map { .role($0.roleName) }
            }
            let policyGroups = groups.filter { owners.contains(.group($0.groupName)) }.map {
                IAMShapes.PolicyGroup(groupName: $0.groupName, groupId: $0.groupId)
            }
            let policyUsers = users.filter { owners.contains(.user($0.userName)) }.map {
                IAMShapes.PolicyUser(userName: $0.userName, userId: $0.userId)
            }
            let policyRoles = roles.filter { owners.contains(.role($0.roleName)) }.map {
                IAMShapes.PolicyRole(roleName: $0.roleName, roleId: $0.roleId)
            }
            return .output(
                IAMShapes.ListEntitiesForPolicyResponse(
                    policyGroups: policyGroups, policyUsers: policyUsers, policyRoles: policyRoles, isTruncated: false))
        default:
            return nil
        }
        return .json([:])
    }

    /// What an inline-policy action names, read from its own input shape: the user, group or
    /// role, the policy's name (empty for a listing) and the document a Put carries.
    static func inlinePolicyRequest(_ action: String, _ input: RequestInput) -> (PolicyOwner, String, String)? {
        switch action {
        case "PutUserPolicy":
            let r = IAMShapes.PutUserPolicyRequest(input)
            return (.user(r.userName), r.policyName, r.policyDocument)
        case "PutGroupPolicy":
            let r = IAMShapes.PutGroupPolicyRequest(input)
            return (.group(r.groupName), r.policyName, r.policyDocument)
        case "PutRolePolicy":
            let r = IAMShapes.PutRolePolicyRequest(input)
            return (.role(r.roleName), r.policyName, r.policyDocument)
        case "GetUserPolicy":
            let r = IAMShapes.GetUserPolicyRequest(input)
            return (.user(r.userName), r.policyName, "")
        case "GetGroupPolicy":
            let r = IAMShapes.GetGroupPolicyRequest(input)
            return (.group(r.groupName), r.policyName, "")
        case "GetRolePolicy":
            let r = IAMShapes.GetRolePolicyRequest(input)
            return (.role(r.roleName), r.policyName, "")
        case "DeleteUserPolicy":
            let r = IAMShapes.DeleteUserPolicyRequest(input)
            return (.user(r.userName), r.policyName, "")
        case "DeleteGroupPolicy":
            let r = IAMShapes.DeleteGroupPolicyRequest(input)
            return (.group(r.groupName), r.policyName, "")
        case "DeleteRolePolicy":
            let r = IAMShapes.DeleteRolePolicyRequest(input)
            return (.role(r.roleName), r.policyName, "")
        case "ListUserPolicies": return (.user(IAMShapes.ListUserPoliciesRequest(input).userName), "", "")
        case "ListGroupPolicies": return (.group(IAMShapes.ListGroupPoliciesRequest(input).groupName), "", "")
        case "ListRolePolicies": return (.role(IAMShapes.ListRolePoliciesRequest(input).roleName), "", "")
        default: return nil
        }
    }

    /// What an attachment action names, read from its own input shape: the user, group or role,
    /// and the policy's ARN (empty for a listing).
    static func attachmentRequest(_ action: String, _ input: RequestInput) -> (PolicyOwner, String)? {
        switch action {
        case "AttachUserPolicy":
            let r = IAMShapes.AttachUserPolicyRequest(input)
            return (.user(r.userName), r.policyArn)
        case "AttachGroupPolicy":
            let r = IAMShapes.AttachGroupPolicyRequest(input)
            return (.group(r.groupName), r.policyArn)
        case "AttachRolePolicy":
            let r = IAMShapes.AttachRolePolicyRequest(input)
            return (.role(r.roleName), r.policyArn)
        case "DetachUserPolicy":
            let r = IAMShapes.DetachUserPolicyRequest(input)
            return (.user(r.userName), r.policyArn)
        case "DetachGroupPolicy":
            let r = IAMShapes.DetachGroupPolicyRequest(input)
            return (.group(r.groupName), r.policyArn)
        case "DetachRolePolicy":
            let r = IAMShapes.DetachRolePolicyRequest(input)
            return (.role(r.roleName), r.policyArn)
        case "ListAttachedUserPolicies": return (.user(IAMShapes.ListAttachedUserPoliciesRequest(input).userName), "")
        case "ListAttachedGroupPolicies": return (.group(IAMShapes.ListAttachedGroupPoliciesRequest(input).groupName), "")
        case "ListAttachedRolePolicies": return (.role(IAMShapes.ListAttachedRolePoliciesRequest(input).roleName), "")
        default: return nil
        }
    }

    func handleInlinePolicies(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        guard case (let owner, let policyName, let document)? = Self.inlinePolicyRequest(action, call.input) else { return nil }
        let account = call.account
        switch action.prefix(3) {
        case "Put":
            try await iam.putInlinePolicy(
                accountId: account, owner: owner, policyName: policyName, document: document, validate: validatePolicy)
        case "Get":
            // IAM returns policy documents URL-encoded.
            let document = Self.urlEncoded(
                try await iam.getInlinePolicy(accountId: account, owner: owner, policyName: policyName))
            switch owner {
            case .user(let name):
                return .output(
                    IAMShapes.GetUserPolicyResponse(userName: name, policyName: policyName, policyDocument: document))
            case .group(let name):
                return .output(
                    IAMShapes.GetGroupPolicyResponse(groupName: name, policyName: policyName, policyDocument: document))
            case .role(let name):
                return .output(
                    IAMShapes.GetRolePolicyResponse(roleName: name, policyName: policyName, policyDocument: document))
            }
        case "Lis":
            let names = try await iam.listInlinePolicies(accountId: account, owner: owner)
            switch owner {
            case .user: return .output(IAMShapes.ListUserPoliciesResponse(policyNames: names, isTruncated: false))
            case .group: return .output(IAMShapes.ListGroupPoliciesResponse(policyNames: names, isTruncated: false))
            case .role: return .output(IAMShapes.ListRolePoliciesResponse(policyNames: names, isTruncated: false))
            }
        default:
            try await iam.deleteInlinePolicy(accountId: account, owner: owner, policyName: policyName)
        }
        return .json([:])
    }

    func handleAttachments(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        guard case (let owner, let arn)? = Self.attachmentRequest(action, call.input) else { return nil }
        let account = call.account
        switch action.prefix(6) {
        case "Attach":
            try await iam.attachPolicy(accountId: account, owner: owner, arn: arn)
        case "Detach":
            try await iam.detachPolicy(accountId: account, owner: owner, arn: arn)
        default:
            let arns = try await iam.attachedPolicies(accountId: account, owner: owner)
            let attached = arns.map {
                IAMShapes.AttachedPolicy(policyName: String($0.split(separator: "/").last ?? ""), policyArn: $0)
            }
            switch owner {
            case .user:
                return .output(IAMShapes.ListAttachedUserPoliciesResponse(attachedPolicies: attached, isTruncated: false))
            case .group:
                return .output(IAMShapes.ListAttachedGroupPoliciesResponse(attachedPolicies: attached, isTruncated: false))
            case .role:
                return .output(IAMShapes.ListAttachedRolePoliciesResponse(attachedPolicies: attached, isTruncated: false))
            }
        }
        return .json([:])
    }

    /// A managed policy; `listed`, as ListPolicies shows it: without Description and Tags, which
    /// AWS documents GetPolicy alone to return.
    static func policy(_ policy: ManagedPolicy, attachments: Int, boundaries: Int, listed: Bool = false) -> IAMShapes.Policy {
        IAMShapes.Policy(
            policyName: policy.policyName, policyId: policy.policyId, arn: policy.arn, path: policy.path,
            defaultVersionId: policy.defaultVersionId, attachmentCount: attachments, permissionsBoundaryUsageCount: boundaries,
            isAttachable: true, description: listed ? nil : policy.description, createDate: policy.createDate,
            updateDate: policy.updateDate, tags: listed || policy.tags.isEmpty ? nil : tags(policy.tags))
    }

    static func version(
        _ version: PolicyVersion, of policy: ManagedPolicy, withDocument: Bool = true
    ) -> IAMShapes.PolicyVersion {
        IAMShapes.PolicyVersion(
            document: withDocument ? urlEncoded(version.document) : nil, versionId: version.versionId,
            isDefaultVersion: version.versionId == policy.defaultVersionId, createDate: version.createDate)
    }
}
