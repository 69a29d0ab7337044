"""Tenant isolation for every operation of every service Rampart serves, driven from botocore's
models: account B (the attacker) calls each operation of KMS, IAM, STS and CloudTrail with
parameters that name account A's resources (the victim), and nothing of A may be seen or changed.

The setup: one server, two accounts. A holds a symmetric key (`alias/victim`, tagged, rotation
on, default key policy: no other account named), an ECC SIGN_VERIFY key, an HMAC key, an ECC
KEY_AGREEMENT key, a key with imported material (origin EXTERNAL), a grant on the symmetric key
to A's own user, an IAM user `victim-user` (access key, inline policy, tags, in group
`victim-group`, with the customer managed policy `victim-managed` attached, which has a second,
non-default version), a role `victim-role` trusting only A and a trail `victim-trail`. B holds
decoys of the same names (a user, group, role, policy and trail called `victim-...`), a key of
its own (`alias/b-decoy`) and nothing called `alias/victim`.

For each operation of each model (`service_model.operation_names`, none picked by hand) the
parameters come from the operation's input shape: its required members, plus (in a second
request) the optional members that name a resource, filled with A's identifiers -- key ARNs,
alias ARNs, A's ciphertext, grant id and token, the managed policy's ARN, the role's ARN, the
user's access key id, the trail's ARN -- or, for names, A's names, which mean B's own namespace.
Each such request is then varied one member at a time (an alias ARN instead of a key ARN,
another of A's keys, A's key id under B's account in the ARN, B's own key as the destination,
...). Other members get valid values from a small table or, failing that, the simplest value the
shape allows, so that the server's front end passes every request on to the operation.

What AWS allows and these tests hold the server to:
- A bare key id or alias name means the caller's own account; another account's key is
  reachable only by ARN, and only for the operations AWS marks cross-account (Encrypt, Decrypt,
  ReEncrypt, GenerateDataKey*, GenerateMac/VerifyMac, Sign/Verify, GetPublicKey, DescribeKey,
  CreateGrant, ListGrants, RevokeGrant, RetireGrant, DeriveSharedSecret), and then only when
  the key policy and the caller's IAM policy allow it. A's key policies name no other account,
  so every KMS call naming A's key must fail.
- IAM and CloudTrail names are per account: `victim-user` in B's call is B's own user. An ARN
  of A's (a managed policy, a role, a trail) is never B's to read, attach, tag or change.
- So: a call that names one of A's resources by ARN, id or token must fail, except where the
  name only filters B's own view (FILTERS: DescribeTrails, LookupEvents, ListRetirableGrants) --
  and a call that succeeds must show none of A's identifiers (A's account id, key ids, user,
  group, role and policy ids, A's access key id, grant id and token, A's plaintext), save what
  AWS documents it shows (GetAccessKeyInfo answers the account that owns an access key).
  LookupEvents shows B's own records of its own calls, which do name A's ARNs as B sent them:
  there every record must be B's (recipient and caller), and none may be A's.
- A bare key id or alias name of A's (test_bare_kms_names), or A's key id in a key ARN of B's
  account, finds nothing: NotFoundException, never an answer that shows the key was found
  (AccessDenied, invalid state, wrong key usage).
- B's own lists (keys, aliases, users, roles, local policies, groups, trails, events) never show
  A's resources, before and after the sweep; A's state, taken through A's root before and
  after (key metadata, policies, aliases, grants, tags, rotation; users, keys, inline and
  managed policies and versions, attachments, groups, roles, tags; trails and their status), is
  unchanged; and A's trail holds no record of B's calls ("cross-account AWS KMS requests that
  are rejected because access is denied are logged only in the caller's account").
- An error is a pass for isolation, whatever the operation (operations Rampart does not build
  answer InvalidAction / UnsupportedOperationException), but never a 5xx, a hang or a dropped
  connection; and never a refusal of the request's shape ("N validation errors detected"),
  which would mean this file did not test the operation at all.

Each operation is one test item (`kms.Encrypt`, `bare.kms.Encrypt`); they share one server
through a module-scoped fixture and run in model order, so the run is deterministic. `pytest -s`
prints a summary: operations and requests per service, the error codes seen, the calls that
succeeded, and error messages that name an identifier of A's the request did not contain.
Where Rampart breaks isolation today the item is in KNOWN_BUGS, a strict xfail.
"""
import datetime
import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

import botocore.exceptions
import botocore.session
import pytest
import requests

from conftest import ACCOUNT, Server

A, B = ACCOUNT, "222222222222"
REGION = "us-east-1"
SERVICES = ("kms", "iam", "sts", "cloudtrail")
_SESSION = botocore.session.get_session()
MODELS = {svc: _SESSION.get_service_model(svc) for svc in SERVICES}

# Operations whose parameters only filter the caller's own view: naming A's resource there may
# succeed, as long as the answer shows nothing of A's.
FILTERS = {("cloudtrail", "DescribeTrails"), ("cloudtrail", "LookupEvents"), ("kms", "ListRetirableGrants")}
# What AWS documents an operation shows about another account: GetAccessKeyInfo "returns the
# account identifier for the specified access key ID".
DISCLOSES_ACCOUNT = {("sts", "GetAccessKeyInfo")}

# Test ids (`kms.Encrypt`, `bare.kms.Encrypt`) of operations where Rampart breaks isolation
# today -> what breaks. Strict xfails: remove an entry when the fix lands.
KNOWN_BUGS = {
    "cloudtrail.CreateTrail": (
        "CreateTrail(Name='b-trail-a-key', S3BucketName=..., KmsKeyId=<ARN of A's symmetric key>) from B's root "
        "succeeds and B's new trail names A's key as its log encryption key; A's key policy names no other account and "
        "does not allow cloudtrail.amazonaws.com, so AWS refuses (InsufficientEncryptionPolicyException / "
        "KmsKeyNotFoundException). Rampart stores KmsKeyId unchecked and never uses it (trail files are not encrypted "
        "with it), so nothing of A's is read or changed and any string is accepted (no existence oracle)."),
}

# Error codes that prove the server found A's key behind a bare key id or alias name.
FOUND_CODES = {"AccessDeniedException", "KMSInvalidStateException", "DisabledException", "IncorrectKeyException",
               "InvalidKeyUsageException", "KMSInvalidSignatureException", "KMSInvalidMacException",
               "KeyUnavailableException", "DryRunOperationException", "InvalidCiphertextException"}
NOT_BUILT = "is not supported by this Rampart build"

# ---------------------------------------------------------------------------------------------
# Policies


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ALLOW_ALL = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


def trust(account):
    return policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"})


def key_policy_for(*accounts):
    return policy(*({"Sid": f"account {a}", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{a}:root"},
                     "Action": "kms:*", "Resource": "*"} for a in accounts))


# ---------------------------------------------------------------------------------------------
# The two accounts

@dataclass
class Victim:
    """Account A's resources and every identifier of them B must never see."""
    keys: dict = field(default_factory=dict)        # kind -> KeyMetadata
    aliases: dict = field(default_factory=dict)     # kind -> alias name
    plaintext: bytes = b"victim-plaintext-7f3a"
    ciphertext: bytes = b""
    signature: bytes = b""
    mac: bytes = b""
    import_token: bytes = b""
    wrapped_material: bytes = b""
    grant_id: str = ""
    grant_token: str = ""
    user_arn: str = ""
    user_id: str = ""
    access_key_id: str = ""
    group_id: str = ""
    role_arn: str = ""
    role_id: str = ""
    policy_arn: str = ""
    policy_id: str = ""
    trail_arn: str = ""
    event_ids: set = field(default_factory=set)

    def key_arn(self, kind):
        return self.keys[kind]["Arn"]

    def alias_arn(self, kind):
        return f"arn:aws:kms:{REGION}:{A}:{self.aliases[kind]}"

    def never_sent(self):
        """Identifiers that only A's own answers contain: B has no way to send them."""
        return {self.user_id, self.group_id, self.role_id, self.policy_id, self.plaintext}

    def identifiers(self):
        """Everything that identifies A's resources (A's account id is matched separately)."""
        return ({k["KeyId"] for k in self.keys.values()} | self.never_sent()
                | {self.grant_id, self.grant_token, self.access_key_id, self.trail_arn})

    def references(self):
        """What names A's resources in a request: the identifiers, and the blobs that carry them."""
        return self.identifiers() | {self.ciphertext, self.import_token}


ACCOUNT_A = re.compile(rf"(?<!\d){A}(?!\d)")


def clients(server, keys):
    """Root clients of one account; botocore checks every request against the model first."""
    return SimpleNamespace(**{svc: server.client(svc, keys=keys, validate=True, read_timeout=30, connect_timeout=5)
                              for svc in SERVICES})


def build_victim(c):
    """Account A's resources, through A's root (`c`)."""
    v = Victim()
    specs = {"symmetric": {}, "sign": {"KeyUsage": "SIGN_VERIFY", "KeySpec": "ECC_NIST_P256"},
             "hmac": {"KeyUsage": "GENERATE_VERIFY_MAC", "KeySpec": "HMAC_256"},
             "agreement": {"KeyUsage": "KEY_AGREEMENT", "KeySpec": "ECC_NIST_P256"},
             "external": {"Origin": "EXTERNAL"}}
    for kind, spec in specs.items():
        try:
            v.keys[kind] = c.kms.create_key(Description=f"victim {kind}", Tags=[{"TagKey": "victim-tag", "TagValue": kind}],
                                            **spec)["KeyMetadata"]
        except botocore.exceptions.ClientError:
            assert kind == "agreement", f"A cannot create its {kind} key"  # KEY_AGREEMENT only if supported
            continue
        v.aliases[kind] = "alias/victim" if kind == "symmetric" else f"alias/victim-{kind}"
        c.kms.create_alias(AliasName=v.aliases[kind], TargetKeyId=v.keys[kind]["KeyId"])
    sym = v.key_arn("symmetric")
    c.kms.enable_key_rotation(KeyId=sym)
    v.ciphertext = c.kms.encrypt(KeyId=sym, Plaintext=v.plaintext)["CiphertextBlob"]
    v.signature = c.kms.sign(KeyId=v.key_arn("sign"), Message=b"attack", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    v.mac = c.kms.generate_mac(KeyId=v.key_arn("hmac"), Message=b"attack", MacAlgorithm="HMAC_SHA_256")["Mac"]
    import_material(c.kms, v)

    c.iam.create_user(UserName="victim-user", Tags=[{"Key": "victim-tag", "Value": "a"}])
    user = c.iam.get_user(UserName="victim-user")["User"]
    v.user_arn, v.user_id = user["Arn"], user["UserId"]
    v.access_key_id = c.iam.create_access_key(UserName="victim-user")["AccessKey"]["AccessKeyId"]
    c.iam.put_user_policy(UserName="victim-user", PolicyName="victim-inline", PolicyDocument=ALLOW_ALL)
    v.group_id = c.iam.create_group(GroupName="victim-group")["Group"]["GroupId"]
    c.iam.add_user_to_group(GroupName="victim-group", UserName="victim-user")
    c.iam.put_group_policy(GroupName="victim-group", PolicyName="victim-inline", PolicyDocument=ALLOW_ALL)
    role = c.iam.create_role(RoleName="victim-role", AssumeRolePolicyDocument=trust(A),
                             Tags=[{"Key": "victim-tag", "Value": "a"}])["Role"]
    v.role_arn, v.role_id = role["Arn"], role["RoleId"]
    c.iam.put_role_policy(RoleName="victim-role", PolicyName="victim-inline", PolicyDocument=ALLOW_ALL)
    managed = c.iam.create_policy(PolicyName="victim-managed", PolicyDocument=ALLOW_ALL)["Policy"]
    v.policy_arn, v.policy_id = managed["Arn"], managed["PolicyId"]
    c.iam.create_policy_version(PolicyArn=v.policy_arn, PolicyDocument=policy(
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}), SetAsDefault=False)
    for attach, kw in ((c.iam.attach_user_policy, {"UserName": "victim-user"}),
                       (c.iam.attach_group_policy, {"GroupName": "victim-group"}),
                       (c.iam.attach_role_policy, {"RoleName": "victim-role"})):
        attach(PolicyArn=v.policy_arn, **kw)

    grant = c.kms.create_grant(KeyId=sym, GranteePrincipal=v.user_arn, RetiringPrincipal=v.user_arn,
                               Operations=["Encrypt", "Decrypt"])
    v.grant_id, v.grant_token = grant["GrantId"], grant["GrantToken"]
    v.trail_arn = c.cloudtrail.create_trail(Name="victim-trail", S3BucketName="victim-bucket",
                                            TagsList=[{"Key": "victim-tag", "Value": "a"}])["TrailARN"]
    c.cloudtrail.start_logging(Name="victim-trail")
    v.event_ids = {e["EventId"] for e in c.cloudtrail.lookup_events(MaxResults=50)["Events"]}
    return v


def import_material(kms, v):
    """Imports fixed key material into A's EXTERNAL key, and keeps a second import token and the
    material wrapped for it: what B tries to import with."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    material = bytes(range(32))

    def wrapped():
        params = kms.get_parameters_for_import(KeyId=v.key_arn("external"), WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                               WrappingKeySpec="RSA_2048")
        public = serialization.load_der_public_key(params["PublicKey"])
        oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
        return params["ImportToken"], public.encrypt(material, oaep)

    token, blob = wrapped()
    kms.import_key_material(KeyId=v.key_arn("external"), ImportToken=token, EncryptedKeyMaterial=blob,
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    v.import_token, v.wrapped_material = wrapped()


def build_decoys(c):
    """B's own resources with A's names, and a key of B's own (never called `alias/victim`)."""
    d = SimpleNamespace()
    d.key = c.kms.create_key(Description="b's own")["KeyMetadata"]
    c.kms.create_alias(AliasName="alias/b-decoy", TargetKeyId=d.key["KeyId"])
    d.ciphertext = c.kms.encrypt(KeyId=d.key["KeyId"], Plaintext=b"b's own secret")["CiphertextBlob"]
    c.iam.create_user(UserName="victim-user", Tags=[{"Key": "victim-tag", "Value": "b"}])
    c.iam.create_access_key(UserName="victim-user")
    c.iam.put_user_policy(UserName="victim-user", PolicyName="victim-inline", PolicyDocument=ALLOW_ALL)
    c.iam.create_group(GroupName="victim-group")
    c.iam.add_user_to_group(GroupName="victim-group", UserName="victim-user")
    c.iam.put_group_policy(GroupName="victim-group", PolicyName="victim-inline", PolicyDocument=ALLOW_ALL)
    c.iam.create_role(RoleName="victim-role", AssumeRolePolicyDocument=trust(B), Tags=[{"Key": "victim-tag", "Value": "b"}])
    c.iam.put_role_policy(RoleName="victim-role", PolicyName="victim-inline", PolicyDocument=ALLOW_ALL)
    arn = c.iam.create_policy(PolicyName="victim-managed", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
    c.iam.attach_user_policy(UserName="victim-user", PolicyArn=arn)
    c.cloudtrail.create_trail(Name="victim-trail", S3BucketName="b-bucket")
    return d


# ---------------------------------------------------------------------------------------------
# A's state, through A's root

def scrub(value):
    """A response without its metadata and the last-used fields that move on their own."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k != "ResponseMetadata" and "LastUsed" not in k}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def snapshot(c, v):
    state = {}

    def take(label, client, method, **kw):
        try:
            state[label] = scrub(getattr(client, method)(**kw))
        except botocore.exceptions.ClientError as e:
            state[label] = ("error", e.response["Error"]["Code"])

    for kind in v.keys:
        arn = v.key_arn(kind)
        take(f"DescribeKey {kind}", c.kms, "describe_key", KeyId=arn)
        take(f"GetKeyPolicy {kind}", c.kms, "get_key_policy", KeyId=arn, PolicyName="default")
        take(f"ListAliases {kind}", c.kms, "list_aliases", KeyId=arn)
        take(f"ListGrants {kind}", c.kms, "list_grants", KeyId=arn)
        take(f"ListResourceTags {kind}", c.kms, "list_resource_tags", KeyId=arn)
        take(f"GetKeyRotationStatus {kind}", c.kms, "get_key_rotation_status", KeyId=arn)
        take(f"ListKeyRotations {kind}", c.kms, "list_key_rotations", KeyId=arn)
        take(f"GetKeyLastUsage {kind}", c.kms, "get_key_last_usage", KeyId=arn)
    take("ListKeys", c.kms, "list_keys", Limit=1000)
    take("ListAliases", c.kms, "list_aliases", Limit=100)
    take("ListRetirableGrants", c.kms, "list_retirable_grants", RetiringPrincipal=v.user_arn)
    for method, kw in [("get_user", {"UserName": "victim-user"}), ("list_access_keys", {"UserName": "victim-user"}),
                       ("list_user_policies", {"UserName": "victim-user"}),
                       ("get_user_policy", {"UserName": "victim-user", "PolicyName": "victim-inline"}),
                       ("list_attached_user_policies", {"UserName": "victim-user"}),
                       ("list_groups_for_user", {"UserName": "victim-user"}), ("list_user_tags", {"UserName": "victim-user"}),
                       ("get_group", {"GroupName": "victim-group"}), ("list_group_policies", {"GroupName": "victim-group"}),
                       ("get_group_policy", {"GroupName": "victim-group", "PolicyName": "victim-inline"}),
                       ("list_attached_group_policies", {"GroupName": "victim-group"}),
                       ("get_role", {"RoleName": "victim-role"}), ("list_role_policies", {"RoleName": "victim-role"}),
                       ("get_role_policy", {"RoleName": "victim-role", "PolicyName": "victim-inline"}),
                       ("list_attached_role_policies", {"RoleName": "victim-role"}), ("list_role_tags", {"RoleName": "victim-role"}),
                       ("get_policy", {"PolicyArn": v.policy_arn}), ("list_policy_versions", {"PolicyArn": v.policy_arn}),
                       ("get_policy_version", {"PolicyArn": v.policy_arn, "VersionId": "v1"}),
                       ("get_policy_version", {"PolicyArn": v.policy_arn, "VersionId": "v2"}),
                       ("list_policy_tags", {"PolicyArn": v.policy_arn}), ("list_entities_for_policy", {"PolicyArn": v.policy_arn}),
                       ("list_users", {}), ("list_groups", {}), ("list_roles", {}), ("list_policies", {"Scope": "Local"})]:
        take(f"{method} {sorted(kw.values())}", c.iam, method, **kw)
    take("DescribeTrails", c.cloudtrail, "describe_trails")
    take("ListTrails", c.cloudtrail, "list_trails")
    take("GetTrail", c.cloudtrail, "get_trail", Name="victim-trail")
    take("GetTrailStatus", c.cloudtrail, "get_trail_status", Name="victim-trail")
    return state


# ---------------------------------------------------------------------------------------------
# Values for members: A's identifiers by member name, else the simplest valid value of the shape

MISSING = object()

# CreateAlias and UpdateAlias name an alias of B's own (new, and existing) and point it at A's
# key; A's alias ARN is one of the variations (COMBINATIONS: pointed at B's key).
OWN_ALIAS = {"CreateAlias": "alias/stolen", "UpdateAlias": "alias/b-decoy"}
# A key ARN with A's key id under B's account names a key of B's: there is none.
FORGED = "A's key id under B's account"

# Which of A's keys an operation is meant for (the symmetric key otherwise).
KEY_FOR_OPERATION = {"Sign": "sign", "Verify": "sign", "GetPublicKey": "sign", "GenerateMac": "hmac",
                     "VerifyMac": "hmac", "DeriveSharedSecret": "agreement", "GetParametersForImport": "external",
                     "ImportKeyMaterial": "external", "DeleteImportedKeyMaterial": "external"}
KEY_MEMBERS = {"KeyId", "TargetKeyId", "SourceKeyId", "DestinationKeyId"}
TRAIL_OPERATIONS = {"CreateTrail", "DeleteTrail", "GetTrail", "GetTrailStatus", "StartLogging", "StopLogging",
                    "UpdateTrail"}

# Optional members that name a resource: filled in each operation's second request.
OPTIONAL_RESOURCE_MEMBERS = {
    "kms": {"KeyId", "SourceKeyId", "CiphertextBlob", "GrantId", "GrantToken", "GrantTokens"},
    "iam": {"UserName"},
    "sts": set(),
    "cloudtrail": {"trailNameList", "TrailName", "KmsKeyId"},
}
# Operations whose member sets are chosen here rather than "required, then required + optional
# resource members": each tuple is one request's members (required ones are added).
MEMBER_SETS = {
    ("kms", "Decrypt"): [("CiphertextBlob",), ("CiphertextBlob", "KeyId", "GrantTokens")],
    ("kms", "ReEncrypt"): [("CiphertextBlob",), ("CiphertextBlob", "SourceKeyId", "GrantTokens")],
    ("kms", "RetireGrant"): [("GrantToken",), ("KeyId", "GrantId")],
    ("cloudtrail", "LookupEvents"): [(), ("LookupAttributes",)],
}
# Variations that change two members at once: (label, members) for B's world `w`.
COMBINATIONS = {
    ("kms", "CreateAlias"): lambda w: [("A's alias ARN for B's key", {
        "AliasName": w.victim.alias_arn("symmetric"), "TargetKeyId": w.decoys.key["Arn"]})],
    ("kms", "UpdateAlias"): lambda w: [("A's alias ARN to B's key", {
        "AliasName": w.victim.alias_arn("symmetric"), "TargetKeyId": w.decoys.key["Arn"]})],
}
# Optional members an operation needs to be a valid request at all.
EXTRAS = {
    ("kms", "GenerateDataKey"): {"KeySpec": "AES_256"},
    ("kms", "GenerateDataKeyWithoutPlaintext"): {"KeySpec": "AES_256"},
    ("kms", "GenerateRandom"): {"NumberOfBytes": 32},
    ("kms", "ImportKeyMaterial"): {"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"},
    ("kms", "ScheduleKeyDeletion"): {"PendingWindowInDays": 7},
    ("kms", "PutKeyPolicy"): {"PolicyName": "default", "BypassPolicyLockoutSafetyCheck": True},
    ("kms", "GetKeyPolicy"): {"PolicyName": "default"},
}


def key_reference(w, kind, bare):
    v = w.victim
    kind = kind if kind in v.keys else "symmetric"
    return v.keys[kind]["KeyId"] if bare else v.key_arn(kind)


def named_value(w, svc, op, member, bare):
    """A's identifier (or the attack's value) for a top-level member, or MISSING."""
    v = w.victim
    kind = KEY_FOR_OPERATION.get(op, "symmetric")
    if svc == "kms":
        if member in KEY_MEMBERS:
            return key_reference(w, kind, bare)
        table = {
            "AliasName": lambda: (v.aliases["symmetric"] if bare else OWN_ALIAS.get(op) or v.alias_arn("symmetric")),
            "CiphertextBlob": lambda: v.ciphertext, "GrantId": lambda: v.grant_id, "GrantToken": lambda: v.grant_token,
            "GrantTokens": lambda: [v.grant_token], "GranteePrincipal": lambda: f"arn:aws:iam::{B}:root",
            "RetiringPrincipal": lambda: v.user_arn, "Operations": lambda: ["Decrypt"],
            "Policy": lambda: key_policy_for(A, B), "PolicyName": lambda: "default",
            "Tags": lambda: [{"TagKey": "attacker", "TagValue": "b"}], "TagKeys": lambda: ["victim-tag"],
            "Description": lambda: "attacker was here", "Plaintext": lambda: b"attack", "Message": lambda: b"attack",
            "Signature": lambda: v.signature, "Mac": lambda: v.mac, "SigningAlgorithm": lambda: "ECDSA_SHA_256",
            "MacAlgorithm": lambda: "HMAC_SHA_256", "KeyAgreementAlgorithm": lambda: "ECDH",
            "PublicKey": lambda: w.peer_public_key, "KeyPairSpec": lambda: "ECC_NIST_P256",
            "WrappingAlgorithm": lambda: "RSAES_OAEP_SHA_256", "WrappingKeySpec": lambda: "RSA_2048",
            "ImportToken": lambda: v.import_token, "EncryptedKeyMaterial": lambda: v.wrapped_material,
            "ReplicaRegion": lambda: "us-west-2", "PrimaryRegion": lambda: "us-west-2",
            "CustomKeyStoreId": lambda: "cks-1234567890abcdef0", "CustomKeyStoreName": lambda: "victim-store",
        }
    elif svc == "iam":
        table = {
            "UserName": lambda: "victim-user", "GroupName": lambda: "victim-group", "RoleName": lambda: "victim-role",
            "PolicyName": lambda: "victim-managed" if op == "CreatePolicy" else "victim-inline",
            "PolicyArn": lambda: v.policy_arn, "PermissionsBoundary": lambda: v.policy_arn,
            "AccessKeyId": lambda: v.access_key_id, "VersionId": lambda: "v2", "Status": lambda: "Inactive",
            "PolicyDocument": lambda: trust(B) if op == "UpdateAssumeRolePolicy" else ALLOW_ALL,
            "AssumeRolePolicyDocument": lambda: trust(B), "Description": lambda: "attacker was here",
            "Tags": lambda: [{"Key": "attacker", "Value": "b"}], "TagKeys": lambda: ["victim-tag"],
            "PolicySourceArn": lambda: v.user_arn, "Arn": lambda: v.user_arn, "EntityArn": lambda: v.user_arn,
            "SerialNumber": lambda: f"arn:aws:iam::{A}:mfa/victim-user",
            "OpenIDConnectProviderArn": lambda: f"arn:aws:iam::{A}:oidc-provider/victim.example.com",
            "SAMLProviderArn": lambda: f"arn:aws:iam::{A}:saml-provider/victim",
            "InstanceProfileName": lambda: "victim-profile", "ServerCertificateName": lambda: "victim-cert",
            "ActionNames": lambda: ["kms:Decrypt"], "PolicyInputList": lambda: [ALLOW_ALL],
            "ServiceNamespaces": lambda: ["kms"],
        }
    elif svc == "sts":
        table = {
            "RoleArn": lambda: v.role_arn, "RoleSessionName": lambda: "attacker",
            "PrincipalArn": lambda: f"arn:aws:iam::{A}:saml-provider/victim", "SAMLAssertion": lambda: "a" * 4,
            "WebIdentityToken": lambda: "a" * 4, "TargetPrincipal": lambda: A, "AccessKeyId": lambda: v.access_key_id,
            "TaskPolicyArn": lambda: {"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"},
            "Name": lambda: "victim-user",
        }
    else:
        table = {
            "TrailName": lambda: v.trail_arn, "trailNameList": lambda: [v.trail_arn], "ResourceId": lambda: v.trail_arn,
            "ResourceIdList": lambda: [v.trail_arn], "ResourceArn": lambda: v.trail_arn,
            "InsightSource": lambda: v.trail_arn, "S3BucketName": lambda: "attacker-bucket",
            "KmsKeyId": lambda: v.key_arn("symmetric"),
            "TagsList": lambda: [{"Key": "victim-tag"}] if op == "RemoveTags" else [{"Key": "attacker", "Value": "b"}],
            "EventDataStore": lambda: f"arn:aws:cloudtrail:{REGION}:{A}:eventdatastore/00000000-0000-0000-0000-000000000000",
            "Channel": lambda: f"arn:aws:cloudtrail:{REGION}:{A}:channel/00000000-0000-0000-0000-000000000000",
            "DashboardId": lambda: f"arn:aws:cloudtrail:{REGION}:{A}:dashboard/victim",
            "DelegatedAdminAccountId": lambda: A, "MemberAccountId": lambda: A, "EventDataStoreOwnerAccountId": lambda: A,
            "LookupAttributes": lambda: [{"AttributeKey": "ResourceName", "AttributeValue": v.key_arn("symmetric")}],
        }
        if member == "Name" and op in TRAIL_OPERATIONS:
            return v.trail_arn
    return table[member]() if member in table else MISSING


def alternatives(w, svc, op, member, bare, base):
    """(label, value) pairs to try in place of the member's value in `base`, one at a time."""
    v, out = w.victim, []
    kind = KEY_FOR_OPERATION.get(op, "symmetric")
    kind = kind if kind in v.keys else "symmetric"
    if svc == "kms" and member in KEY_MEMBERS:
        out.append(("alias", v.aliases[kind] if bare else v.alias_arn(kind)))
        if not bare:
            out.append((FORGED, v.key_arn(kind).replace(f":{A}:", f":{B}:")))
            if member == "DestinationKeyId" or (member == "TargetKeyId" and op == "UpdateAlias"):
                out.append(("B's own key", w.decoys.key["Arn"]))
        out += [(f"{other} key", key_reference(w, other, bare)) for other in v.keys if other != kind]
    elif svc == "kms" and member == "CiphertextBlob":
        out.append(("B's own ciphertext", w.decoys.ciphertext))
    elif svc == "kms" and member == "AliasName" and not bare and op in OWN_ALIAS:
        out.append(("A's alias ARN", v.alias_arn("symmetric")))
    elif svc == "cloudtrail" and member in ("Name", "TrailName") and op != "DeleteTrail" and (
            member == "TrailName" or op in TRAIL_OPERATIONS):
        out.append(("bare name: B's own trail", "victim-trail"))
        if op == "CreateTrail":
            out.append(("a new trail of B's, logs encrypted with A's key", "b-trail-a-key") if "KmsKeyId" in base
                       else ("a new trail of B's", "b-new-trail"))
    elif svc == "cloudtrail" and member == "LookupAttributes":
        for key, value in [("AccessKeyId", v.access_key_id), ("Username", "victim-user"), ("ResourceName", v.trail_arn),
                           ("ResourceName", v.user_arn), ("EventId", min(v.event_ids))]:
            out.append((f"lookup {key}", [{"AttributeKey": key, "AttributeValue": value}]))
    elif svc == "sts" and member == "RoleArn":
        out.append(("A's role under a path", v.role_arn.replace(":role/", ":role/some/path/")))
    return out


# The simplest valid values, for members nothing above names.
_CANDIDATES = ["a", "1", "123456789012", "/", "us-east-1", "arn:aws:iam::123456789012:role/a", "/kms/xks/v1",
               "https://a.example", "com.amazonaws.vpce.us-east-1.vpce-svc-0a", "cluster-aaaaaaaaaaa", "v1",
               "p-aaaaaaaa", "o-aaaaaaaaaa/r-aaaa", "http://a", "s3://aaa", "00:00", "a.amazonaws.com",
               "AAAAAAAAAAAAAAAAAAAAAAAA", "aaaa", "aaa"]
_REGEX = {}


def _matches(pattern, s):
    """Whether `s` matches a model pattern (Java syntax; `\\p{..}` spelled out)."""
    if pattern not in _REGEX:
        p = (pattern.replace(r"\p{L}", r"a-zA-Z\u00c0-\u024f").replace(r"\p{Z}", r" \u00a0")
             .replace(r"\p{N}", r"0-9"))
        try:
            _REGEX[pattern] = re.compile(p, re.ASCII)
        except re.error:
            _REGEX[pattern] = None
    return _REGEX[pattern] is None or _REGEX[pattern].fullmatch(s) is not None


def simple_string(shape):
    if shape.enum:
        return shape.enum[0]
    lo, hi, pattern = shape.metadata.get("min") or 0, shape.metadata.get("max"), shape.metadata.get("pattern")
    for c in _CANDIDATES:
        s = c + c[-1] * max(0, lo - len(c))
        if (hi is None or len(s) <= hi) and (pattern is None or _matches(pattern, s)):
            return s
    raise AssertionError(f"no simple value for {shape.name} (pattern {pattern!r}): add a candidate")


def simple_value(shape, depth=0):
    """The simplest value of a shape that passes the model's checks, as boto3 takes it."""
    t, lo = shape.type_name, shape.metadata.get("min")
    if t == "structure":
        names = shape.required_members or ([next(iter(shape.members))] if shape.members and depth < 4 else [])
        return {m: simple_value(shape.members[m], depth + 1) for m in names}
    if t == "list":
        return [simple_value(shape.member, depth + 1) for _ in range(max(lo or 0, 1))]
    if t == "map":
        return {simple_string(shape.key): simple_value(shape.value, depth + 1)}
    if t == "string":
        return simple_string(shape)
    if t in ("integer", "long"):
        hi = shape.metadata.get("max")
        return lo if lo is not None else min(1, hi) if hi is not None else 1
    if t in ("double", "float"):
        return float(lo or 1)
    if t == "boolean":
        return False
    if t == "blob":
        return b"a" * max(lo or 0, 1)
    if t == "timestamp":
        return datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    raise AssertionError(f"unknown shape type {t}")


def requests_for(w, svc, op, bare=False):
    """(label, params) for every request B sends to the operation: each member set's base
    request, then the base with one member replaced by each of its alternatives."""
    shape = MODELS[svc].operation_model(op).input_shape
    if shape is None:
        return [("no input", {})]
    required = list(shape.required_members)
    if (svc, op) in MEMBER_SETS:
        sets = [required + [m for m in chosen if m not in required] for chosen in MEMBER_SETS[(svc, op)]]
    else:
        optional = [m for m in shape.members if m not in required and m in OPTIONAL_RESOURCE_MEMBERS[svc]]
        sets = [required] + ([required + optional] if optional else [])
    out, seen = [], set()

    def add(label, params):
        key = repr(sorted(params.items()))
        if key not in seen:
            seen.add(key)
            out.append((label, params))

    for members in sets:
        base = dict(EXTRAS.get((svc, op), {}))
        for m in members:
            value = named_value(w, svc, op, m, bare)
            base[m] = simple_value(shape.members[m]) if value is MISSING else value
        add("+".join(members) or "no members", base)
        for m in members:
            for label, alt in alternatives(w, svc, op, m, bare, base):
                add(f"{m}: {label}", {**base, m: alt})
        if not bare:
            for label, change in COMBINATIONS.get((svc, op), lambda w: [])(w):
                add(label, {**base, **change})
    return out


# ---------------------------------------------------------------------------------------------
# Calling and judging

@dataclass
class Outcome:
    code: str = None          # None: it succeeded
    status: int = 200
    message: str = ""
    response: dict = None


def call(w, svc, op, params):
    """One call as B's root. A 5xx, a hang or a dropped connection fails the test at once."""
    client = getattr(w.b, svc)
    method = getattr(client, w.methods[svc][op])
    if w.server.proc.poll() is not None:
        raise AssertionError(f"rampart exited ({w.server.proc.returncode}):\n{w.server.server_log()}")
    try:
        response = method(**params)
    except botocore.exceptions.ClientError as e:
        err, meta = e.response.get("Error", {}), e.response.get("ResponseMetadata", {})
        return Outcome(err.get("Code") or "?", meta.get("HTTPStatusCode", 0), err.get("Message") or "")
    except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError) as e:
        raise AssertionError(f"{svc}.{op} {params}: no answer ({type(e).__name__}: {e})\n{w.server.server_log()}")
    response.pop("ResponseMetadata", None)
    return Outcome(response=response)


def mentions(value, needles, account=True):
    """The needles (str or bytes) found in a nested response or request, and (with `account`)
    `A's account id` where A's account id appears on its own."""
    found = set()

    def walk(x):
        if isinstance(x, dict):
            for k, item in x.items():
                walk(k)
                walk(item)
        elif isinstance(x, (list, tuple, set)):
            for item in x:
                walk(item)
        elif isinstance(x, (str, bytes)):
            text = x if isinstance(x, str) else x.decode("latin-1")
            raw = x if isinstance(x, bytes) else x.encode("utf-8", "replace")
            if account and ACCOUNT_A.search(text):
                found.add("A's account id")
            for n in needles:
                if n and ((isinstance(n, str) and n in text) or (isinstance(n, bytes) and n in raw)):
                    found.add(n if isinstance(n, str) else f"bytes {n[:16]!r}")
    walk(value)
    return found


SHAPE_REFUSAL = re.compile(r"\d+ validation errors? detected")


def check_events(w, response):
    """LookupEvents from B: every record is B's own call to B's own account; nothing of A's."""
    problems = []
    for event in response.get("Events", []):
        record = json.loads(event["CloudTrailEvent"])
        if record.get("recipientAccountId") != B or record.get("userIdentity", {}).get("accountId") != B:
            problems.append(f"a record that is not B's: {event['CloudTrailEvent'][:400]}")
        if event["EventId"] in w.victim.event_ids:
            problems.append(f"A's record {event['EventId']}")
    leaked = mentions(response, w.victim.never_sent(), account=False)  # B's records name the ARNs B sent
    if leaked:
        problems.append(f"shows {sorted(map(str, leaked))}")
    return problems


def judge(w, svc, op, label, params, outcome, bare):
    """The problems with one call's outcome (empty: isolation held)."""
    where = f"[{label}] {svc}.{op}({short(params)})"
    v = w.victim
    if outcome.code is not None:
        if outcome.status >= 500:
            return [f"{where}: {outcome.status} {outcome.code}: {outcome.message[:300]}"]
        if SHAPE_REFUSAL.match(outcome.message) and "Value null at" not in outcome.message:
            return [f"{where}: the front end refused the request's shape, so the operation was not tested: "
                    f"{outcome.code}: {outcome.message[:300]}"]
        if bare or label.endswith(FORGED):
            self_identifying = (params.get("CiphertextBlob") == v.ciphertext or params.get("GrantToken") == v.grant_token)
            found = outcome.code in FOUND_CODES or (outcome.code == "UnsupportedOperationException"
                                                    and NOT_BUILT not in outcome.message)
            if found and not self_identifying:
                return [f"{where}: {outcome.code} ({outcome.message[:200]}): a bare id, alias name or key ARN in B's "
                        f"account means B's own account (NotFoundException); this answer shows A's was found"]
        return []
    if bare:
        return [f"{where}: succeeded with {short(outcome.response)}; a bare id or alias name of A's names nothing in B"]
    problems = []
    named = mentions(params, v.references())
    if named and (svc, op) not in FILTERS:
        problems.append(f"{where}: succeeded although it names A's {sorted(map(str, named))}: {short(outcome.response)}")
    if (svc, op) == ("cloudtrail", "LookupEvents"):
        problems += [f"{where}: {p}" for p in check_events(w, outcome.response)]
        return problems
    leaked = mentions(outcome.response, v.identifiers())
    if (svc, op) in DISCLOSES_ACCOUNT:
        leaked.discard("A's account id")
    if leaked:
        problems.append(f"{where}: the answer shows A's {sorted(map(str, leaked))}: {short(outcome.response)}")
    return problems


def short(value, limit=400):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# Undoes a call of B's that succeeded although it names A's resource (a failure reported above),
# so that the rest of the run does not see B's own echo of it.
UNDO = {("cloudtrail", "CreateTrail"): lambda w, params: w.b.cloudtrail.delete_trail(Name=params["Name"])}

# What the sweep saw, for the summary: (mode, service) -> operation -> [(label, code or "OK")].
RESULTS = defaultdict(dict)
NOTES = []  # refusals whose message names an identifier of A's that the request did not contain


def sweep(w, svc, op, bare=False):
    problems, seen = [], []
    for label, params in requests_for(w, svc, op, bare):
        if bare and not (KEY_MEMBERS | {"AliasName"}) & set(params):
            continue  # names no key: the same request as by ARN
        outcome = call(w, svc, op, params)
        seen.append((label, outcome.code or "OK"))
        problems += judge(w, svc, op, label, params, outcome, bare)
        if outcome.code is None and (svc, op) in UNDO and mentions(params, w.victim.references()):
            UNDO[(svc, op)](w, params)
        if outcome.code is not None:
            extra = mentions(outcome.message, w.victim.identifiers()) - mentions(params, w.victim.identifiers())
            if extra:
                NOTES.append(f"{svc}.{op} [{label}] {outcome.code}: {outcome.message[:200]}")
    RESULTS[("bare" if bare else "by ARN", svc)][op] = seen
    assert w.server.proc.poll() is None, f"rampart exited after {svc}.{op}:\n{w.server.server_log()}"
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# Fixture and tests

@pytest.fixture(scope="module")
def world():
    """The server, A's resources and state, B's root clients and decoys."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    server = Server()
    try:
        b_keys = server.add_account(B)
        w = SimpleNamespace(server=server, a=clients(server, server.profile()), b=clients(server, b_keys))
        w.methods = {svc: {api: method for method, api in getattr(w.b, svc).meta.method_to_api_mapping.items()}
                     for svc in SERVICES}
        w.victim = build_victim(w.a)
        w.decoys = build_decoys(w.b)
        peer = ec.derive_private_key(0x5EED, ec.SECP256R1()).public_key()
        w.peer_public_key = peer.public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
        w.before = snapshot(w.a, w.victim)
        yield w
    finally:
        server.cleanup()


def _params(mode, pairs):
    out = []
    for svc, op in pairs:
        cid = f"{mode}{svc}.{op}"
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[cid])] if cid in KNOWN_BUGS else []
        out.append(pytest.param(svc, op, id=cid, marks=marks))
    return out


ALL_OPERATIONS = [(svc, op) for svc in SERVICES for op in MODELS[svc].operation_names]
KEY_OPERATIONS = [("kms", op) for op in MODELS["kms"].operation_names
                  if {"KeyId", "TargetKeyId", "SourceKeyId", "DestinationKeyId", "AliasName"}
                  & set(MODELS["kms"].operation_model(op).input_shape.members)]


def b_views(w):
    """B's own listings, paged to the end."""
    b = w.b
    views = {"ListKeys": b.kms.get_paginator("list_keys").paginate().build_full_result(),
             "ListAliases": b.kms.get_paginator("list_aliases").paginate().build_full_result(),
             "ListUsers": b.iam.list_users(), "ListRoles": b.iam.list_roles(), "ListGroups": b.iam.list_groups(),
             "ListPolicies": b.iam.list_policies(Scope="Local"), "DescribeTrails": b.cloudtrail.describe_trails(),
             "ListTrails": b.cloudtrail.list_trails()}
    events, token = [], None
    for _ in range(200):
        page = b.cloudtrail.lookup_events(MaxResults=50, **({"NextToken": token} if token else {}))
        events += page["Events"]
        token = page.get("NextToken")
        if not token:
            break
    return views, {"Events": events}


def check_b_views(w):
    views, events = b_views(w)
    problems = [f"{name} shows A's {sorted(map(str, found))}: {short(scrub(view))}"
                for name, view in views.items() if (found := mentions(scrub(view), w.victim.identifiers()))]
    problems += [f"LookupEvents: {p}" for p in check_events(w, events)]
    assert all(u["Arn"].startswith(f"arn:aws:iam::{B}:") for u in views["ListUsers"]["Users"])
    assert not problems, "\n".join(problems)
    return views, events


def test_b_sees_nothing_of_a_before(world):
    check_b_views(world)


@pytest.mark.parametrize("svc,op", _params("", ALL_OPERATIONS))
def test_operation(world, svc, op):
    """B's root names A's resources in the operation; it fails, or answers about B alone."""
    sweep(world, svc, op)


@pytest.mark.parametrize("svc,op", _params("bare.", KEY_OPERATIONS))
def test_bare_kms_names(world, svc, op):
    """A bare key id or alias name of A's means B's own account: there is no such key."""
    sweep(world, svc, op, bare=True)


def test_b_sees_nothing_of_a_after(world):
    views, events = check_b_views(world)
    assert "alias/stolen" not in {a["AliasName"] for a in views["ListAliases"]["Aliases"]}
    assert len(events["Events"]) > 100  # B's own sweep is in B's trail


def test_a_is_unchanged(world):
    after = snapshot(world.a, world.victim)
    refused = sorted(k for k, value in after.items() if isinstance(value, tuple))
    print(f"\nA's state: {len(after)} reads through A's root, {len(refused)} of them refused for the key's type: "
          + ", ".join(f"{k} ({after[k][1]})" for k in refused))
    changed = {k: (world.before[k], after.get(k)) for k in world.before if after.get(k) != world.before[k]}
    assert not changed, "A's state changed:\n" + "\n".join(f"{k}:\n  before {short(b, 600)}\n  after  {short(a, 600)}"
                                                            for k, (b, a) in changed.items())


def test_a_still_works(world):
    """A's key decrypts, A's grant token and A's user's access key still work."""
    a, v = world.a, world.victim
    assert a.kms.decrypt(CiphertextBlob=v.ciphertext)["Plaintext"] == v.plaintext
    a.kms.encrypt(KeyId=v.key_arn("symmetric"), Plaintext=b"x", GrantTokens=[v.grant_token])
    assert a.kms.describe_key(KeyId="alias/victim")["KeyMetadata"]["Arn"] == v.key_arn("symmetric")
    assert {k["AccessKeyId"]: k["Status"] for k in a.iam.list_access_keys(UserName="victim-user")["AccessKeyMetadata"]} \
        == {v.access_key_id: "Active"}


def test_a_trail_has_no_record_of_b(world):
    """B's calls were all refused or about B's own account: none is recorded in A's trail."""
    events, token = [], None
    for _ in range(400):
        page = world.a.cloudtrail.lookup_events(MaxResults=50, **({"NextToken": token} if token else {}))
        events += page["Events"]
        token = page.get("NextToken")
        if not token:
            break
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    theirs = [r for r in records if r.get("userIdentity", {}).get("accountId") != A or r.get("recipientAccountId") != A]
    assert records and not theirs, short(theirs, 2000)


def test_server_survived(world):
    assert world.server.proc.poll() is None, world.server.server_log()
    assert requests.get(world.server.endpoint + "/_rampart/health", timeout=5).status_code == 200
    assert "unexpected error" not in (world.server.scratch / "server.log").read_text(errors="replace")


def test_summary(world):
    """Prints what the sweep covered and saw (`pytest -s`)."""
    print("\n=== tenant isolation, every operation: B's root against A's resources ===")
    for (mode, svc), ops in sorted(RESULTS.items(), key=lambda kv: (kv[0][0] != "by ARN", SERVICES.index(kv[0][1]))):
        outcomes = [code for seen in ops.values() for _, code in seen]
        codes = Counter(outcomes)
        print(f"{mode:7} {svc:10} {len(ops):3} operations of {len(MODELS[svc].operation_names):3}, "
              f"{len(outcomes):4} requests: " + ", ".join(f"{c} {n}" for c, n in sorted(codes.items())))
        succeeded = sorted(f"{op}[{label}]" for op, seen in ops.items() for label, code in seen if code == "OK")
        if succeeded:
            print(f"        succeeded: {', '.join(succeeded)}")
    if os.environ.get("TENANT_DETAIL"):
        for (mode, svc), ops in RESULTS.items():
            for op, seen in ops.items():
                print(f"  {mode} {svc}.{op}: " + "; ".join(f"{label} -> {code}" for label, code in seen))
    if NOTES:
        print(f"refusals whose message names an identifier of A's the request did not contain ({len(NOTES)}):")
        for note in sorted(NOTES):
            print("  " + note)
    assert RESULTS
