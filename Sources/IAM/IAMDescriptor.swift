import AWSProtocol
import AccessControl
import Identity
public import ServiceKit

/// IAM as the edge serves it: AWS Query, version 2010-05-08. IAM is a global service: its
/// records go to us-east-1 as the caller's region says.
public enum IAMModule {
    public static func descriptor(_ context: ServiceContext) -> ServiceDescriptor {
        ServiceDescriptor(
            signingName: "iam", wire: .query(xmlns: IAMAPI.xmlns, version: "2010-05-08"), model: .iam,
            operations: IAMOperations.table, handler: IAMAPI(iam: context.iam, authorize: Authorization.iam))
    }
}

/// IAM's operations as CloudTrail records them: every Get and List call is read-only; a change's
/// record carries what it made.
enum IAMOperations {
    static let readOnly = [
        "GetUser", "ListUsers", "ListUserTags", "ListAccessKeys", "GetGroup", "ListGroups", "ListGroupsForUser", "GetRole",
        "ListRoles", "ListRoleTags", "ListInstanceProfilesForRole", "GetPolicy", "ListPolicies", "GetPolicyVersion",
        "ListPolicyVersions", "ListPolicyTags", "ListEntitiesForPolicy", "GetUserPolicy", "GetGroupPolicy",
        "GetRolePolicy", "ListUserPolicies", "ListGroupPolicies", "ListRolePolicies", "ListAttachedUserPolicies",
        "ListAttachedGroupPolicies", "ListAttachedRolePolicies", "GetInstanceProfile", "ListInstanceProfiles",
        "ListInstanceProfileTags", "ListSSHPublicKeys", "ListMFADevices", "ListVirtualMFADevices",
        "ListSigningCertificates", "ListServiceSpecificCredentials", "GetLoginProfile", "GetServiceLinkedRoleDeletionStatus",
    ]

    static let changes = [
        "CreateUser", "UpdateUser", "DeleteUser", "TagUser", "UntagUser", "CreateAccessKey", "UpdateAccessKey",
        "DeleteAccessKey", "CreateGroup", "DeleteGroup", "AddUserToGroup", "RemoveUserFromGroup", "CreateRole",
        "DeleteRole", "UpdateAssumeRolePolicy", "UpdateRole", "UpdateRoleDescription", "TagRole", "UntagRole",
        "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion", "SetDefaultPolicyVersion",
        "PutUserPolicy", "PutGroupPolicy", "PutRolePolicy", "DeleteUserPolicy", "DeleteGroupPolicy", "DeleteRolePolicy",
        "AttachUserPolicy", "AttachGroupPolicy", "AttachRolePolicy", "DetachUserPolicy", "DetachGroupPolicy",
        "DetachRolePolicy", "CreateInstanceProfile", "DeleteInstanceProfile", "AddRoleToInstanceProfile",
        "RemoveRoleFromInstanceProfile", "TagInstanceProfile", "UntagInstanceProfile", "PutUserPermissionsBoundary",
        "DeleteUserPermissionsBoundary", "PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary",
        "DeleteLoginProfile", "CreateServiceLinkedRole", "DeleteServiceLinkedRole",
    ]

    /// What AWS's IAM records carry of a change's answer: the entity it made, with nested names
    /// in lowerCamelCase and never the secret access key (`ResponseElements`).
    static let recordedResponse: Set<String> = [
        "User", "AccessKey", "Group", "Role", "Policy", "PolicyVersion", "InstanceProfile", "DeletionTaskId",
    ]

    static let table = OperationTable(
        actionPrefix: "iam", readOnly: readOnly, changes: changes, recordedResponse: recordedResponse,
        responseElements: .awsRecord
    )
    .adding(unserved: ServiceModel.iam.operations.keys, actionPrefix: "iam")
}
