import AWSProtocol
import Identity
import ServiceKit

extension IAMAPI {
    /// The credentials other than access keys that IAM keeps for a user: console passwords
    /// (login profiles), MFA devices, SSH public keys for CodeCommit, signing certificates and
    /// service-specific credentials. Rampart issues none of them (their Create and Upload calls
    /// are not served), so every user's lists are empty and no login profile exists. Listing them
    /// is what tools do before deleting a user (Terraform's `force_destroy`); nil for other
    /// actions. Each names an existing user, or the caller's own when `UserName` is absent.
    func handleOtherCredentials(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        /// Checks that the user a call names (or the calling user) exists.
        func existingUser(_ named: String?) async throws(AWSError) -> String? {
            guard let name = named ?? call.caller.principal.userName else { return nil }  // the root
            _ = try await iam.getUser(accountId: call.account, userName: name)
            return name
        }
        switch action {
        case "ListSSHPublicKeys":
            _ = try await existingUser(IAMShapes.ListSSHPublicKeysRequest(call.input).userName)
            return .output(IAMShapes.ListSSHPublicKeysResponse(sshPublicKeys: [], isTruncated: false))
        case "ListMFADevices":
            _ = try await existingUser(IAMShapes.ListMFADevicesRequest(call.input).userName)
            return .output(IAMShapes.ListMFADevicesResponse(mfaDevices: [], isTruncated: false))
        case "ListVirtualMFADevices":
            return .output(IAMShapes.ListVirtualMFADevicesResponse(virtualMFADevices: [], isTruncated: false))
        case "ListSigningCertificates":
            _ = try await existingUser(IAMShapes.ListSigningCertificatesRequest(call.input).userName)
            return .output(IAMShapes.ListSigningCertificatesResponse(certificates: [], isTruncated: false))
        case "ListServiceSpecificCredentials":
            let request = IAMShapes.ListServiceSpecificCredentialsRequest(call.input)
            if request.allUsers != true { _ = try await existingUser(request.userName) }
            return .output(
                IAMShapes.ListServiceSpecificCredentialsResponse(serviceSpecificCredentials: [], isTruncated: false))
        case "GetLoginProfile":
            throw try await noLoginProfile(existingUser(IAMShapes.GetLoginProfileRequest(call.input).userName))
        case "DeleteLoginProfile":
            throw try await noLoginProfile(existingUser(IAMShapes.DeleteLoginProfileRequest(call.input).userName))
        default:
            return nil
        }
    }

    /// IAM's answer for a user without a console password.
    private func noLoginProfile(_ userName: String?) -> AWSError {
        .noSuchEntity("Login Profile for User \(userName ?? "root") cannot be found.")
    }
}
