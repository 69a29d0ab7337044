/// A service that has a service-linked role: the role's name, the AWS managed policies AWS
/// attaches to it, and whether CreateServiceLinkedRole takes a `CustomSuffix` for it.
public struct ServiceLinkedRoleTemplate: Sendable, Hashable {
    /// The service principal, `config.amazonaws.com`.
    public var service: String
    public var roleName: String
    public var policies: [String]
    public var customSuffixAllowed: Bool
}

/// The services whose service-linked roles Rampart makes: those it serves or will serve, and
/// those its users' tools create first (EC2 Auto Scaling, Elastic Load Balancing, ECS, Spot).
/// Names, policies and whether a suffix is taken follow AWS's documentation of each service's
/// role and the answers recorded from AWS in LocalStack's validated IAM tests; where neither
/// says a suffix is allowed, it is refused, as AWS refuses it for most services.
public enum ServiceLinkedRoles {
    static func template(
        _ service: String, _ roleName: String, _ policy: String, suffix: Bool = false
    ) -> ServiceLinkedRoleTemplate {
        ServiceLinkedRoleTemplate(
            service: service, roleName: roleName, policies: ["arn:aws:iam::aws:policy/aws-service-role/\(policy)"],
            customSuffixAllowed: suffix)
    }

    public static let templates: [String: ServiceLinkedRoleTemplate] = Dictionary(
        uniqueKeysWithValues: [
            template("config.amazonaws.com", "AWSServiceRoleForConfig", "AWSConfigServiceRolePolicy"),
            template("cloudtrail.amazonaws.com", "AWSServiceRoleForCloudTrail", "CloudTrailServiceRolePolicy"),
            template(
                "cks.kms.amazonaws.com", "AWSServiceRoleForKeyManagementServiceCustomKeyStores",
                "AWSKeyManagementServiceCustomKeyStoresServiceRolePolicy"),
            template(
                "mrk.kms.amazonaws.com", "AWSServiceRoleForKeyManagementServiceMultiRegionKeys",
                "AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy"),
            template("acm.amazonaws.com", "AWSServiceRoleForCertificateManager", "CertificateManagerServiceRolePolicy"),
            template(
                "apidestinations.events.amazonaws.com", "AWSServiceRoleForAmazonEventBridgeApiDestinations",
                "AmazonEventBridgeApiDestinationsServiceRolePolicy"),
            template("replicator.lambda.amazonaws.com", "AWSServiceRoleForLambdaReplicator", "AWSLambdaReplicator"),
            template(
                "elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing",
                "AWSElasticLoadBalancingServiceRolePolicy"),
            template("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy", suffix: true),
            template("ecs.amazonaws.com", "AWSServiceRoleForECS", "AmazonECSServiceRolePolicy"),
            template("spot.amazonaws.com", "AWSServiceRoleForEC2Spot", "AWSEC2SpotServiceRolePolicy"),
            template(
                "elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalk", "AWSElasticBeanstalkServiceRolePolicy"),
            template("rds.amazonaws.com", "AWSServiceRoleForRDS", "AmazonRDSServiceRolePolicy"),
        ].map { ($0.service, $0) })

    /// The trust policy of a service-linked role: the service alone may assume it.
    public static func trustPolicy(service: String) -> String {
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["\#(service)"]},"Action":"sts:AssumeRole"}]}"#
    }
}
