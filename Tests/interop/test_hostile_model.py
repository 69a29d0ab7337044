"""Hostile input, generated from botocore's service models: for every KMS operation and every
IAM/STS/CloudTrail/EventBridge/SNS operation Rampart implements, each input member is broken one way at a time
(missing, JSON null, wrong JSON type, out of range, too short/long, not in the enum, not matching
the pattern, bad base64, bad timestamp) and the answer must be AWS's exact error type and HTTP
status. Unknown members must be ignored, as AWS ignores them. Nothing may ever get a 5xx, hang,
drop the connection or stop the server.

What AWS's front end does (Coral, the same for every service here):
- AWS JSON 1.1 (KMS, CloudTrail): a value of the wrong JSON type, malformed JSON, a body that is
  not an object, bad base64 in a blob or a non-date string in a timestamp is a 400
  `SerializationException` (thrown while deserializing, so before any constraint check). A
  required member that is missing or JSON null, or a value outside the model's `min`/`max`, enum
  or `pattern`, is a 400 `ValidationException` "N validation error(s) detected: Value ... at
  'member' failed to satisfy constraint: Member must ...". JSON null is the same as absent.
  Member names are case-sensitive: `keyId` is an unknown member, and unknown members are ignored.
- AWS Query (IAM, STS; XML errors): the same checks answer a 400 `ValidationError` with the same
  wording; a value that does not parse as the member's number type is also a 400
  `ValidationError` (the least certain expectation here: AWS does not document it). Unknown
  parameters are ignored.
- CloudTrail documents exceptions of its own for some members' limits (LookupEvents:
  `InvalidMaxResultsException` for MaxResults, `InvalidEventCategoryException` for EventCategory,
  `InvalidLookupAttributesException` for LookupAttributes). Where the operation names such an
  exception for the member, a limit violation expects it (CLOUDTRAIL_OWN_EXCEPTIONS) -- a judgment
  from the model's error list, not checked against live AWS.

Patterns are the model's Java regular expressions, matched in full with Java's semantics: `\\w`,
`\\d`, `\\s` are ASCII-only (so `é` is not a word character for AWS).

Every case is one pytest item named `service.Operation.Member.kind` (kinds: missing,
case_variant, null, wrong_type, not_a_number, below_min, above_max, too_short, too_long,
not_in_enum, pattern_ascii, pattern_unicode_word/space/symbol, valid_unicode, bad_base64,
bad_timestamp), plus one per operation for a valid request, unknown members and malformed JSON.
Hypothesis draws the values: a few examples per item, seeded by the item's id (the same values
every run), no example database. Cases where Rampart differs from AWS today are in KNOWN_GAPS:
they are expected to fail (strictly: once fixed they fail until removed from the set); a 5xx or
a dropped connection still fails them outright.
"""
import base64
import json
import re
import string
import urllib.parse
import zlib
from dataclasses import dataclass

import botocore.session
import pytest
import requests
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from conftest import SCALE, Server

# ---------------------------------------------------------------------------------------------
# Scope

SERVICES = ("kms", "cloudtrail", "iam", "sts", "events", "sns", "logs")

# Operations Rampart implements, outside KMS (every KMS operation is in scope: its validation
# runs before the operation, implemented or not). test_scope_matches_the_server keeps these
# honest: an operation here must not answer InvalidAction/UnsupportedOperationException to a
# valid request, and every other operation of the model must.
IMPLEMENTED = {
    "iam": {
        "AddUserToGroup", "AttachGroupPolicy", "AttachRolePolicy", "AttachUserPolicy", "CreateAccessKey",
        "CreateGroup", "CreatePolicy", "CreatePolicyVersion", "CreateRole", "CreateUser", "DeleteAccessKey",
        "DeleteGroup", "DeleteGroupPolicy", "DeletePolicy", "DeletePolicyVersion", "DeleteRole",
        "DeleteRolePolicy", "DeleteUser", "DeleteUserPolicy", "DetachGroupPolicy", "DetachRolePolicy",
        "DetachUserPolicy", "GetGroup", "GetGroupPolicy", "GetPolicy", "GetPolicyVersion", "GetRole",
        "GetRolePolicy", "GetUser", "GetUserPolicy", "ListAccessKeys", "ListAttachedGroupPolicies",
        "ListAttachedRolePolicies", "ListAttachedUserPolicies", "ListEntitiesForPolicy", "ListGroupPolicies",
        "ListGroups", "ListGroupsForUser", "ListInstanceProfilesForRole", "ListPolicies", "ListPolicyTags",
        "ListPolicyVersions", "ListRolePolicies", "ListRoleTags", "ListRoles", "ListUserPolicies",
        "ListUserTags", "ListUsers", "PutGroupPolicy", "PutRolePolicy", "PutUserPolicy",
        "RemoveUserFromGroup", "SetDefaultPolicyVersion", "TagRole", "TagUser", "UntagRole", "UntagUser",
        "UpdateAccessKey", "UpdateAssumeRolePolicy", "UpdateRole", "UpdateRoleDescription", "UpdateUser",
        "CreateInstanceProfile", "GetInstanceProfile", "ListInstanceProfiles", "DeleteInstanceProfile",
        "AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile", "TagInstanceProfile", "UntagInstanceProfile",
        "ListInstanceProfileTags", "PutUserPermissionsBoundary", "DeleteUserPermissionsBoundary",
        "PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary", "ListSSHPublicKeys", "ListMFADevices",
        "ListVirtualMFADevices", "ListSigningCertificates", "ListServiceSpecificCredentials", "GetLoginProfile",
        "DeleteLoginProfile", "CreateServiceLinkedRole", "DeleteServiceLinkedRole",
        "GetServiceLinkedRoleDeletionStatus",
    },
    "sts": {"AssumeRole", "GetCallerIdentity", "GetSessionToken", "GetFederationToken"},
    "cloudtrail": {
        "CreateTrail", "DeleteTrail", "DescribeTrails", "GetEventSelectors", "GetTrail", "GetTrailStatus",
        "ListPublicKeys", "ListTrails", "LookupEvents", "PutEventSelectors", "StartLogging", "StopLogging",
    },
    "events": {
        "CreateEventBus", "DeleteEventBus", "DeleteRule", "DescribeEventBus", "DescribeRule", "DisableRule",
        "EnableRule", "ListEventBuses", "ListRuleNamesByTarget", "ListRules", "ListTagsForResource",
        "ListTargetsByRule", "PutEvents", "PutPermission", "PutRule", "PutTargets", "RemovePermission",
        "RemoveTargets", "TagResource", "TestEventPattern", "UntagResource",
    },
    "sns": {
        "AddPermission", "ConfirmSubscription", "CreateTopic", "DeleteTopic", "GetSubscriptionAttributes",
        "GetTopicAttributes", "ListSubscriptions", "ListSubscriptionsByTopic", "ListTagsForResource", "ListTopics",
        "Publish", "PublishBatch", "RemovePermission", "SetSubscriptionAttributes", "SetTopicAttributes",
        "Subscribe", "TagResource", "Unsubscribe", "UntagResource",
    },
    "logs": {
        "CreateLogGroup", "CreateLogStream", "DeleteLogGroup", "DeleteLogStream", "DeleteRetentionPolicy",
        "DescribeLogGroups", "DescribeLogStreams", "FilterLogEvents", "GetLogEvents", "ListTagsForResource",
        "ListTagsLogGroup", "PutLogEvents", "PutRetentionPolicy", "TagLogGroup", "TagResource", "UntagLogGroup",
        "UntagResource",
    },
}
NOT_IMPLEMENTED_CODES = {"InvalidAction", "UnsupportedOperationException", "UnknownOperationException"}

# (service, operation, top-level member) -> the exception CloudTrail documents for that member's
# limits; see the module docstring.
CLOUDTRAIL_OWN_EXCEPTIONS = {
    ("cloudtrail", "LookupEvents", "MaxResults"): "InvalidMaxResultsException",
    ("cloudtrail", "LookupEvents", "EventCategory"): "InvalidEventCategoryException",
    ("cloudtrail", "LookupEvents", "LookupAttributes"): "InvalidLookupAttributesException",
}

_SNS_ATTRIBUTE_TYPE = ("a message attribute without its DataType (or with `dataType` for `DataType`) is not "
                       "refused by the front end's validation; SNS's handler refuses the request (InvalidParameter) "
                       "on another member first")
_CLOUDTRAIL_OWN = ("CloudTrail documents its own exception for this member (CLOUDTRAIL_OWN_EXCEPTIONS); Rampart answers "
                   "the generic ValidationException -- a judgment from the model, see the module docstring")

# Where Rampart answers differently from AWS today: case ids (see `case_id`) -> what differs.
# Empty it as fixes land; a listed case that starts passing fails (strict xfail).
KNOWN_GAPS = {
    **dict.fromkeys([
        "cloudtrail.LookupEvents.LookupAttributes[0].AttributeKey.not_in_enum",
        "cloudtrail.LookupEvents.LookupAttributes[0].AttributeValue.too_long",
        "cloudtrail.LookupEvents.LookupAttributes[0].AttributeValue.too_short",
        "cloudtrail.LookupEvents.EventCategory.not_in_enum",
        "cloudtrail.LookupEvents.MaxResults.above_max", "cloudtrail.LookupEvents.MaxResults.below_min",
    ], _CLOUDTRAIL_OWN),
    **dict.fromkeys([
        "sns.Publish.MessageAttributes{a}.DataType.missing", "sns.Publish.MessageAttributes{a}.DataType.case_variant",
    ], _SNS_ATTRIBUTE_TYPE),
}

# ---------------------------------------------------------------------------------------------
# The models

_SESSION = botocore.session.get_session()
MODELS = {svc: _SESSION.get_service_model(svc) for svc in SERVICES}
JSON_SERVICES = {svc for svc in SERVICES if MODELS[svc].protocol == "json"}
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
MAX_BODY = 900_000  # the server takes 1 MiB; a too-long value must fit in one request


def in_scope(svc):
    ops = MODELS[svc].operation_names
    return sorted(ops) if svc == "kms" else sorted(op for op in ops if op in IMPLEMENTED[svc])


def lower_first(name):
    return name[:1].lower() + name[1:]


def meta(shape, key):
    return shape.metadata.get(key)


# Java regular expressions as Python ones: ASCII `\w\d\s` as in Java; `\p{L}\p{Z}\p{N}` spelled
# out as ranges (exact for every character this file generates).
def _python_regex(pattern):
    p = (pattern.replace(r"\p{L}", r"a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0400-\u04ff\u4e00-\u9fff")
         .replace(r"\p{Z}", r" \u00a0\u2000-\u200a\u2028\u2029\u3000").replace(r"\p{N}", r"0-9\u0660-\u0669"))
    return re.compile(p, re.ASCII)


_REGEX = {}


def matches(pattern, s):
    if pattern not in _REGEX:
        _REGEX[pattern] = _python_regex(pattern)
    return _REGEX[pattern].fullmatch(s) is not None


def java_length(s):
    """String length as AWS (Java) counts it: UTF-16 code units."""
    return len(s.encode("utf-16-le")) // 2


# Valid strings, tried in order, padded with their last character up to the shape's minimum.
_CANDIDATES = ["a", "1", "111111111111", "/", "us-east-1", "arn:aws:iam::111111111111:role/a", "/kms/xks/v1",
               "https://a.example", "com.amazonaws.vpce.us-east-1.vpce-svc-0a", "cluster-aaaaaaaaaaa",
               "v1", "p-aaaaaaaa", "o-aaaaaaaaaa/r-aaaa", "http://a", "s3://aaa", "00:00", "a.amazonaws.com",
               "AAAAAAAAAAAAAAAAAAAAAAAA", "aaaa", "aaa", "aws.partner/a/b", "a.b", "events:PutEvents"]


def valid_string(shape, seed="a"):
    if meta(shape, "enum"):
        return shape.enum[0]
    lo, hi, pattern = meta(shape, "min") or 0, meta(shape, "max"), meta(shape, "pattern")
    for c in [seed, *_CANDIDATES[1:]]:
        s = c + c[-1] * max(0, lo - len(c))
        if (hi is None or len(s) <= hi) and (pattern is None or matches(pattern, s)):
            return s
    raise AssertionError(f"no valid string for {shape.name} (pattern {pattern!r}): add a candidate")


def valid_value(shape, depth=1, seed="a"):
    """A value of `shape` that passes every model check, as it goes in a JSON request."""
    t = shape.type_name
    if t == "structure":
        names = shape.required_members or ([next(iter(shape.members))] if depth and shape.members else [])
        # (a nested structure gets at least one member: the Query protocol cannot say "{}")
        return {m: valid_value(shape.members[m], depth + 1, seed) for m in names}
    if t == "list":
        return [valid_value(shape.member, depth + 1, seed) for _ in range(max(meta(shape, "min") or 0, 1))]
    if t == "map":
        # As many entries as the map's minimum (at least one), under distinct valid keys.
        keys = [valid_string(shape.key, k) for k in "abcdefgh"]
        keys = list(dict.fromkeys(keys))[: max(meta(shape, "min") or 0, 1)]
        return {k: valid_value(shape.value, depth + 1, seed) for k in keys}
    if t == "string":
        return valid_string(shape, seed)
    if t in ("integer", "long"):
        lo, hi = meta(shape, "min"), meta(shape, "max")
        return lo if lo is not None else min(1, hi) if hi is not None else 1
    if t in ("double", "float"):
        return float(meta(shape, "min") or 1)
    if t == "boolean":
        return False
    if t == "blob":
        return base64.b64encode(b"a" * max(meta(shape, "min") or 0, 1)).decode()
    if t == "timestamp":
        return 1700000000
    raise AssertionError(f"unknown shape type {t}")


def base_request(svc, op):
    """The operation's valid request: its required members, each the simplest valid value. Create
    operations name what they make "b...", every other operation names "a...", which therefore
    never exists: answers do not depend on which tests ran before."""
    shape = MODELS[svc].operation_model(op).input_shape
    seed = "b" if op.startswith("Create") else "a"
    return valid_value(shape, depth=0, seed=seed) if shape is not None else {}


# ---------------------------------------------------------------------------------------------
# Cases: (service, operation, path to a member, kind of breakage)

@dataclass(frozen=True)
class Case:
    svc: str
    op: str
    path: tuple  # member names (str), list indexes (int) and map keys ("{key}")
    kind: str
    shape: object
    required: bool

    @property
    def id(self):
        return case_id(self.svc, self.op, self.path, self.kind)


def path_text(path):
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p.startswith("{"):
            out += p
        else:
            out += ("." if out else "") + p
    return out


def case_id(svc, op, path, kind):
    return f"{svc}.{op}.{path_text(path)}.{kind}"


def aws_path(path):
    """The member path as AWS's messages spell it: `tags.1.member.tagKey`."""
    parts = []
    for p in path:
        if isinstance(p, int):
            parts.append(f"{p + 1}.member")
        elif not p.startswith("{"):
            parts.append(lower_first(p))
    return ".".join(parts)


def kinds_for(svc, shape, member, required):
    """Which breakages apply to a value of this shape: a structure's member (`member`), else a
    list element or map value."""
    json_protocol = svc in JSON_SERVICES
    t = shape.type_name
    kinds = []
    if member and required:
        kinds += ["missing", "case_variant"]
    if member and json_protocol:
        kinds.append("null")
    if json_protocol:
        kinds.append("wrong_type")
    elif t in ("integer", "long"):
        kinds.append("not_a_number")
    lo, hi = meta(shape, "min"), meta(shape, "max")
    if t in ("integer", "long"):
        bounds = INT32 if t == "integer" else INT64
        if lo is not None and lo > bounds[0]:
            kinds.append("below_min")
        if hi is not None and hi < bounds[1]:
            kinds.append("above_max")
    if t in ("string", "blob", "list", "map") and not meta(shape, "enum"):
        if lo:
            kinds.append("too_short")
        if hi is not None and hi < 250_000:
            kinds.append("too_long")
    if t == "string" and meta(shape, "enum"):
        kinds.append("not_in_enum")
    if t == "string" and meta(shape, "pattern") and not meta(shape, "enum"):
        kinds += [kind for kind, alphabet in PATTERN_BREAKERS.items() if _violating_chars(shape, alphabet)]
    if t == "string" and not meta(shape, "enum") and _unicode_fitting(shape):
        kinds.append("valid_unicode")
    if t == "blob" and json_protocol:
        kinds.append("bad_base64")
    if t == "timestamp" and json_protocol:
        kinds.append("bad_timestamp")
    return kinds


def _children(shape):
    """(path step, shape, required) for the members one level into a structure, list or map."""
    t = shape.type_name
    if t == "structure":
        return [(name, s, name in shape.required_members) for name, s in shape.members.items()]
    if t == "list":
        return [(0, shape.member, False)]
    if t == "map":
        return [("{" + valid_string(shape.key) + "}", shape.value, False)]
    return []


def cases():
    out = []
    for svc in SERVICES:
        model = MODELS[svc]
        for op in in_scope(svc):
            shape = model.operation_model(op).input_shape
            if shape is None:
                continue

            def walk(parent, path, depth):
                for step, child, required in _children(parent):
                    child_path = path + (step,)
                    member = isinstance(step, str) and not step.startswith("{")
                    for kind in kinds_for(svc, child, member, required):
                        out.append(Case(svc, op, child_path, kind, child, required))
                    if depth < 3 and child.type_name in ("structure", "list", "map"):
                        walk(child, child_path, depth + 1)

            walk(shape, (), 1)
    return out


# ---------------------------------------------------------------------------------------------
# Hostile values

# Characters that break a pattern, by kind. Java's `\w`, `\d` and `\s` are ASCII-only, so a
# Unicode letter, digit or space breaks `[\w]+` for AWS although Unicode-aware engines take it.
PATTERN_BREAKERS = {
    "pattern_ascii": " !\"#$%&'()*;<>?[\\]^`{|}~\t\n\x00\x01\x7f",
    "pattern_unicode_word": "éßЖ٣",
    "pattern_unicode_space": "\u00a0\u2028\u3000",
    "pattern_unicode_symbol": "€😀",
}
UNICODE_FRIENDLY = "éßЖ٣\u00a0€中"  # for valid values that are not ASCII
_VIOLATING = {}


def _violating_chars(shape, alphabet):
    """Characters of `alphabet` that, put into a valid value of `shape`, break its pattern."""
    key = (shape.name, meta(shape, "pattern"), meta(shape, "min"), alphabet)  # shape names repeat across services
    if key not in _VIOLATING:
        v, pattern = valid_string(shape), meta(shape, "pattern")
        _VIOLATING[key] = "".join(c for c in alphabet if not matches(pattern, v[:-1] + c) and not matches(pattern, c + v[1:]))
    return _VIOLATING[key]


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**12), 10**12),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=8)

# The JSON kinds a shape's type accepts (a JSON 1.1 timestamp is a number of epoch seconds).
ACCEPTS = {"string": {"string"}, "blob": {"string"}, "integer": {"number"}, "long": {"number"},
           "double": {"number"}, "float": {"number"}, "boolean": {"bool"}, "timestamp": {"number"},
           "list": {"list"}, "map": {"object"}, "structure": {"object"}}
BY_JSON_KIND = {
    "string": st.one_of(st.integers(-5, 5).map(str), st.sampled_from(["true", "false", "[]", "{}"]), st.text(max_size=8)),
    "number": st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False)),
    "bool": st.booleans(),
    "list": st.lists(json_scalars.filter(lambda v: v is not None), min_size=0, max_size=2),
    "object": st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
}


def wrong_type(shape):
    accepted = ACCEPTS[shape.type_name]
    kinds = [k for k in BY_JSON_KIND if k not in accepted and not (shape.type_name == "timestamp" and k == "string")]
    return st.sampled_from(kinds).flatmap(lambda k: BY_JSON_KIND[k])


def _stretch(seed, n):
    """`seed` repeated to exactly n characters."""
    return (seed * (n // max(len(seed), 1) + 1))[:n]


def too_short(case):
    shape, lo = case.shape, meta(case.shape, "min")
    t = shape.type_name
    if t == "string":
        v = valid_string(shape)
        return st.integers(0, lo - 1).map(lambda n: v[:n])
    if t == "blob":
        return st.binary(max_size=lo - 1).map(lambda b: base64.b64encode(b).decode())
    item = valid_value(shape.member) if t == "list" else None
    if t == "list":
        return st.integers(0, lo - 1).map(lambda n: [item] * n)
    return st.just({})  # a map with too few entries


def too_long(case):
    shape, hi = case.shape, meta(case.shape, "max")
    t = shape.type_name
    extra = st.integers(1, 48)
    if t == "string":
        v = valid_string(shape)
        seed = st.text(alphabet=st.sampled_from(sorted(set(v))), min_size=1, max_size=4)
        return st.tuples(extra, seed).map(lambda a: _stretch(a[1], hi + a[0]))
    if t == "blob":
        return st.tuples(extra, st.binary(min_size=1, max_size=16)).map(
            lambda a: base64.b64encode(_stretch(a[1], hi + a[0])).decode())
    if t == "list":
        item = valid_value(shape.member)
        return st.integers(1, 3).map(lambda n: [item] * (hi + n))
    # a map: distinct keys that satisfy the key shape
    value = valid_value(shape.value)
    key = valid_string(shape.key)
    return st.integers(1, 3).map(lambda n: {f"{key}{i}": value for i in range(hi + n)})


def integers_outside(case):
    t, lo, hi = case.shape.type_name, meta(case.shape, "min"), meta(case.shape, "max")
    bounds = INT32 if t == "integer" else INT64
    if case.kind == "below_min":
        return st.one_of(st.just(lo - 1), st.integers(bounds[0], lo - 1))
    return st.one_of(st.just(hi + 1), st.integers(hi + 1, bounds[1]))


def not_in_enum(shape):
    allowed = set(shape.enum)
    near = sorted(({v.lower() for v in shape.enum} | {v.swapcase() for v in shape.enum} | {v + " " for v in shape.enum}
                   | {" " + v for v in shape.enum} | {v + "\x00" for v in shape.enum} | {""}) - allowed)
    return st.one_of(st.sampled_from(near), st.text(max_size=20)).filter(lambda s: s not in allowed)


def breaks_pattern(shape, alphabet):
    """A valid value of the shape with hostile characters put in (length kept in bounds)."""
    v, pattern = valid_string(shape), meta(shape, "pattern")
    lo, hi = meta(shape, "min") or 0, meta(shape, "max")
    bad = _violating_chars(shape, alphabet)

    def build(a):
        chars, at = a
        s = v
        for c, i in zip(chars, at):
            i = i % (len(s) + 1)
            s = s[:i] + c + s[i + 1:] if hi is not None and len(s) >= hi else s[:i] + c + s[i:]
        return s

    return (st.tuples(st.text(alphabet=st.sampled_from(bad), min_size=1, max_size=3),
                      st.lists(st.integers(0, 1000), min_size=3, max_size=3))
            .map(build)
            .filter(lambda s: not matches(pattern, s) and len(s) >= lo and (hi is None or java_length(s) <= hi)))


def _unicode_fitting(shape):
    """Non-ASCII characters that a valid value of `shape` may hold."""
    key = (shape.name, meta(shape, "pattern"), meta(shape, "min"), "fits")  # shape names repeat across services
    if key not in _VIOLATING:
        v, pattern = valid_string(shape), meta(shape, "pattern")
        _VIOLATING[key] = "".join(c for c in UNICODE_FRIENDLY if pattern is None or matches(pattern, v + c))
    return _VIOLATING[key]


def unicode_fitting(shape):
    """A valid value with non-ASCII characters in it, long enough however one counts (code points
    or UTF-16 units) and short enough however one counts."""
    v, pattern = valid_string(shape), meta(shape, "pattern")
    lo, hi = meta(shape, "min") or 0, meta(shape, "max")
    return (st.text(alphabet=st.sampled_from(_unicode_fitting(shape)), min_size=1, max_size=6)
            .map(lambda extra: v + extra if hi is None or java_length(v + extra) <= hi else extra[: max(hi // 2, 1)])
            .filter(lambda s: (pattern is None or matches(pattern, s)) and len(s) >= lo
                    and (hi is None or java_length(s) <= hi)))


def bad_base64():
    """Valid base64 with characters no base64 decoder takes put in. (Not whitespace, missing
    padding or URL-safe '-_': decoders differ on those, and AWS's choice is not documented.)"""
    def spoil(a):
        encoded, junk, at = a
        at %= len(encoded) + 1
        return encoded[:at] + junk + encoded[at:]

    return st.tuples(st.binary(min_size=1, max_size=24).map(lambda b: base64.b64encode(b).decode()),
                     st.text(alphabet=st.sampled_from("*!#$%&@?~.,;:é"), min_size=1, max_size=3),
                     st.integers(0, 100)).map(spoil)


def hostile_value(case):
    """The hypothesis strategy for the bad value of a case (None means: remove the member)."""
    k = case.kind
    if k in ("missing", "case_variant", "null"):
        return st.just(None)
    if k == "wrong_type":
        return wrong_type(case.shape)
    if k == "not_a_number":
        return st.one_of(st.text(alphabet=string.ascii_letters, min_size=1, max_size=8),
                         st.sampled_from(["1.5", "0x10", "--1", "1_000", "NaN"]))
    if k in ("below_min", "above_max"):
        return integers_outside(case)
    if k == "too_short":
        return too_short(case)
    if k == "too_long":
        return too_long(case)
    if k == "not_in_enum":
        return not_in_enum(case.shape)
    if k in PATTERN_BREAKERS:
        return breaks_pattern(case.shape, PATTERN_BREAKERS[k])
    if k == "valid_unicode":
        return unicode_fitting(case.shape)
    if k == "bad_base64":
        return bad_base64()
    if k == "bad_timestamp":
        return st.text(alphabet=string.ascii_letters, min_size=1, max_size=10)
    raise AssertionError(k)


# ---------------------------------------------------------------------------------------------
# Building and sending requests

def with_path(request, shape, path):
    """`request` with every container on `path` present (a valid value where it was missing)."""
    node, node_shape = request, shape
    for step in path[:-1]:
        if isinstance(step, int):
            child_shape = node_shape.member
        elif step.startswith("{"):
            child_shape, step = node_shape.value, step[1:-1]
        else:
            child_shape = node_shape.members[step]
        if isinstance(step, int):
            while len(node) <= step:
                node.append(valid_value(child_shape))
        elif step not in node:
            node[step] = valid_value(child_shape)
        node, node_shape = node[step], child_shape
    return node


def mutate(case, value):
    """The base request of the case's operation with exactly the case's member broken."""
    shape = MODELS[case.svc].operation_model(case.op).input_shape
    request = base_request(case.svc, case.op)
    parent = with_path(request, shape, case.path)
    last = case.path[-1]
    key = last[1:-1] if isinstance(last, str) and last.startswith("{") else last
    if case.kind == "missing":
        parent.pop(key, None)
    elif case.kind == "case_variant":
        parent[lower_first(key) if key[:1].isupper() else key.upper()] = parent.pop(key, valid_value(case.shape))
    else:
        parent[key] = value
    return request


@dataclass
class Outcome:
    status: int
    code: str
    message: str

    def front_end_rejected(self):
        """Whether the request was refused for its shape (not by the operation)."""
        return self.code == "SerializationException" or (
            self.code in ("ValidationException", "ValidationError")
            and re.match(r"\d+ validation errors? detected", self.message or "") is not None)

    def verdict(self):
        """What the front end made of the request: passed, or its refusal."""
        return (self.code, self.message) if self.front_end_rejected() else "passed"

    def __str__(self):
        return f"{self.status} {self.code or '-'}: {(self.message or '')[:300]}"


def flatten_query(value, shape, prefix, out):
    """A JSON-shaped value as Query parameters (`A.member.1`, `A.entry.1.key`, `A.B`)."""
    t = shape.type_name if shape is not None else None
    if isinstance(value, dict) and t == "map":
        for i, (k, v) in enumerate(value.items(), 1):
            out[f"{prefix}.entry.{i}.key"] = k
            flatten_query(v, shape.value, f"{prefix}.entry.{i}.value", out)
    elif isinstance(value, dict):
        for k, v in value.items():
            child = shape.members.get(k) if t == "structure" else None
            flatten_query(v, child, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(value, list):
        if not value:
            out[prefix] = ""  # how the Query protocol spells an empty list
        for i, v in enumerate(value, 1):
            flatten_query(v, shape.member if t == "list" else None, f"{prefix}.member.{i}", out)
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    elif value is not None:
        out[prefix] = str(value)
    return out


def send(server, svc, op, request=None, raw_body=None, ensure_ascii=True):
    """Sends one signed request; returns its Outcome. A dropped connection or a hang fails."""
    model = MODELS[svc]
    if server.proc.poll() is not None:
        raise AssertionError(f"rampart exited ({server.proc.returncode}):\n{server.server_log()}")
    try:
        if svc in JSON_SERVICES:
            body = raw_body if raw_body is not None else json.dumps(request, ensure_ascii=ensure_ascii)
            r = server.signed(f"{model.metadata['targetPrefix']}.{op}", body, service=svc)
        else:
            shape = model.operation_model(op).input_shape
            params = {"Action": op, "Version": model.api_version, **flatten_query(request or {}, shape, "", {})}
            r = server.signed(None, urllib.parse.urlencode(params), service=svc,
                              content_type="application/x-www-form-urlencoded; charset=utf-8")
    except requests.RequestException as e:
        raise AssertionError(f"{svc} {op}: no answer ({type(e).__name__}: {e})\n{server.server_log()}") from e
    if r.status_code >= 500:
        raise AssertionError(f"{svc} {op}: {r.status_code} {r.text[:500]}")
    if r.status_code == 200:
        return Outcome(200, None, None)
    if svc in JSON_SERVICES:
        try:
            doc = json.loads(r.content.decode("utf-8"))
        except ValueError:
            raise AssertionError(f"{svc} {op}: {r.status_code} error that is not JSON: {r.text[:300]!r}")
        code = doc.get("__type", "").split("#")[-1].split(":")[0]
        return Outcome(r.status_code, code, doc.get("message") or doc.get("Message") or "")
    text = r.content.decode("utf-8", "replace")  # text/xml without a charset: requests would guess Latin-1
    code = re.search(r"<Code>(.*?)</Code>", text)
    message = re.search(r"<Message>(.*?)</Message>", text, re.S)
    unescape = lambda s: (s.replace("&apos;", "'").replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
                          .replace("&amp;", "&"))
    return Outcome(r.status_code, code and code.group(1), unescape(message.group(1)) if message else "")


# ---------------------------------------------------------------------------------------------
# What AWS answers

class AWSMismatch(AssertionError):
    """The server answered, but not what AWS answers."""


VALIDATION = {True: "ValidationException", False: "ValidationError"}
# AWS's phrase for each broken constraint, checked loosely in validation messages.
WORDING = {"missing": "must not be null", "case_variant": "must not be null", "null": "must not be null",
           "below_min": "greater than or equal to", "above_max": "less than or equal to",
           "too_short": "length greater than or equal to", "too_long": "length less than or equal to",
           "not_in_enum": "enum value set", **{k: "regular expression pattern" for k in PATTERN_BREAKERS}}


def expected_code(case):
    """AWS's error code for the case, or None when AWS accepts the shape (JSON null on an
    optional member is the same as leaving it out)."""
    json_protocol = case.svc in JSON_SERVICES
    if case.kind in ("wrong_type", "bad_base64", "bad_timestamp"):
        return "SerializationException"
    if case.kind == "not_a_number":
        return "ValidationError"
    if (case.kind == "null" and not case.required) or case.kind == "valid_unicode":
        return None
    if case.kind in ("missing", "case_variant", "null"):
        return VALIDATION[json_protocol]
    own = CLOUDTRAIL_OWN_EXCEPTIONS.get((case.svc, case.op, case.path[0]))
    return own or VALIDATION[json_protocol]


def check(case, value, outcome, control):
    """Raises AWSMismatch unless `outcome` is AWS's answer to the case; `control` is the answer
    to the same operation's valid request."""
    want = expected_code(case)
    shown = repr(value) if len(repr(value)) < 200 else repr(value)[:200] + "..."
    where = f"{case.id} with {shown}"
    if want is None:
        if outcome.verdict() != control.verdict():
            raise AWSMismatch(f"{where}: AWS treats it as the valid request ({control}); got {outcome}")
        return
    if outcome.status != 400 or outcome.code != want:
        raise AWSMismatch(f"{where}: AWS answers 400 {want}; got {outcome}")
    if want in ("ValidationException", "ValidationError") and case.kind in WORDING:
        msg = outcome.message
        if not re.match(r"\d+ validation errors? detected: ", msg):
            raise AWSMismatch(f"{where}: AWS says 'N validation error(s) detected: ...'; got {outcome}")
        if WORDING[case.kind] not in msg or f"'{aws_path(case.path)}'" not in msg:
            raise AWSMismatch(f"{where}: AWS names '{aws_path(case.path)}' and says '{WORDING[case.kind]}'; got {outcome}")


# ---------------------------------------------------------------------------------------------
# Fixtures and settings

@pytest.fixture(scope="module")
def hostile_server():
    """A server of its own: this module creates users, keys and trails by the hundred."""
    s = Server()
    yield s
    s.cleanup()


# A few examples per case, no example database (nothing written to the repository).
HOSTILE = settings(max_examples=6 * SCALE, database=None, deadline=None, report_multiple_bugs=False,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                          HealthCheck.data_too_large, HealthCheck.large_base_example])


def hostile(cid):
    """Hypothesis for the case `cid`: seeded by its id, so every run draws the same values and
    different cases draw different ones. A known gap fails anyway: no time spent shrinking it."""
    chosen = settings(HOSTILE, phases=[Phase.explicit, Phase.reuse, Phase.generate]) if cid in KNOWN_GAPS else HOSTILE
    return lambda test: seed(zlib.crc32(cid.encode()))(chosen(test))


ALL_CASES = cases()


def _param(case):
    marks = []
    if case.id in KNOWN_GAPS:
        marks.append(pytest.mark.xfail(strict=True, raises=AWSMismatch, reason=KNOWN_GAPS[case.id]))
    return pytest.param(case, id=case.id, marks=marks)


def _op_params(test, json_only=False):
    """(service, operation) parameters of an operation-wide test, with ids `service.Operation.test`."""
    out = []
    for svc in SERVICES:
        if json_only and svc not in JSON_SERVICES:
            continue
        for op in in_scope(svc):
            cid = f"{svc}.{op}.{test}"
            marks = [pytest.mark.xfail(strict=True, raises=AWSMismatch, reason=KNOWN_GAPS[cid])] if cid in KNOWN_GAPS else []
            out.append(pytest.param(svc, op, id=cid, marks=marks))
    return out


# ---------------------------------------------------------------------------------------------
# Tests

def test_scope_matches_the_server(hostile_server):
    """IMPLEMENTED is right: a valid request to an operation outside it is refused as
    unimplemented, and one inside it is not."""
    wrong = []
    for svc in ("iam", "sts", "cloudtrail"):
        for op in MODELS[svc].operation_names:
            outcome = send(hostile_server, svc, op, base_request(svc, op))
            unimplemented = outcome.code in NOT_IMPLEMENTED_CODES
            if unimplemented == (op in IMPLEMENTED[svc]):
                wrong.append(f"{svc}.{op}: {outcome}")
    assert not wrong, "IMPLEMENTED is out of date:\n" + "\n".join(wrong)


@pytest.mark.parametrize("svc,op", _op_params("valid_request"))
def test_a_valid_request_passes_validation(hostile_server, svc, op):
    """The base every case breaks is itself valid: the server may refuse it (no such key), but
    not for its shape."""
    outcome = send(hostile_server, svc, op, base_request(svc, op))
    if outcome.front_end_rejected():
        raise AWSMismatch(f"{svc}.{op} {base_request(svc, op)}: AWS accepts this shape; got {outcome}")


@pytest.mark.parametrize("case", [_param(c) for c in ALL_CASES])
def test_hostile_member(hostile_server, case):
    @hostile(case.id)
    @given(value=hostile_value(case), ensure_ascii=st.booleans())
    def run(value, ensure_ascii):
        outcome = send(hostile_server, case.svc, case.op, mutate(case, value), ensure_ascii=ensure_ascii)
        same_as_valid = expected_code(case) is None
        control = send(hostile_server, case.svc, case.op, base_request(case.svc, case.op)) if same_as_valid else None
        check(case, value, outcome, control)

    run()


def _unknown_name(svc, op):
    shape = MODELS[svc].operation_model(op).input_shape
    known = {m.lower() for m in (shape.members if shape else {})}
    reserved = {"action", "version", "signature", "signatureversion", "signaturemethod", "timestamp", "expires",
                "awsaccesskeyid", "securitytoken"}
    return st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,20}", fullmatch=True).filter(
        lambda n: n.lower() not in known and n.lower() not in reserved)


@pytest.mark.parametrize("svc,op", _op_params("unknown_member"))
def test_unknown_members_are_ignored(hostile_server, svc, op):
    """AWS ignores members its model does not have (clients newer than the service send them)."""
    query_values = st.text(alphabet=string.printable, max_size=20)

    @hostile(f"{svc}.{op}.unknown_member")
    @given(name=_unknown_name(svc, op), value=json_values if svc in JSON_SERVICES else query_values)
    def run(name, value):
        request = base_request(svc, op)
        request[name] = value
        control = send(hostile_server, svc, op, base_request(svc, op))
        outcome = send(hostile_server, svc, op, request)
        if outcome.verdict() != control.verdict():
            raise AWSMismatch(f"{svc}.{op} with unknown member {name}={value!r}: AWS ignores it, so as without it "
                              f"({control}); got {outcome}")

    run()


# Bodies that are not one JSON object. (Not trailing garbage after an object: Jackson, under
# AWS's front end, ignores trailing tokens by default.)
NOT_AN_OBJECT = ["[]", '"x"', "5", "true", "[{}]", "{,}", "{'a':1}", "\x00{}", '{"a":}', '{"a" 1}', '{"a":1,}',
                 "{" * 100000]


@pytest.mark.parametrize("svc,op", _op_params("malformed_json", json_only=True))
def test_malformed_json_bodies(hostile_server, svc, op):
    """A body that is not one JSON object is a SerializationException, whatever the operation:
    each of NOT_AN_OBJECT, and the valid request cut short anywhere."""
    def expect_serialization_exception(body):
        outcome = send(hostile_server, svc, op, raw_body=body)
        if (outcome.status, outcome.code) != (400, "SerializationException"):
            raise AWSMismatch(f"{svc}.{op} with body {body[:60]!r}: AWS answers 400 SerializationException; got {outcome}")

    for body in NOT_AN_OBJECT:
        expect_serialization_exception(body)
    valid = json.dumps(base_request(svc, op))

    @hostile(f"{svc}.{op}.malformed_json")
    @given(cut=st.integers(1, len(valid) - 1))
    def run(cut):
        expect_serialization_exception(valid[:cut])

    run()


def test_server_survived(hostile_server):
    """After everything above the server still runs and answers normal calls."""
    assert hostile_server.proc.poll() is None, hostile_server.server_log()
    assert requests.get(hostile_server.endpoint + "/_rampart/health", timeout=5).status_code == 200
    kms = hostile_server.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"still here")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"still here"
    assert hostile_server.client("sts").get_caller_identity()["Account"] == hostile_server.account
    assert "unexpected error" not in (hostile_server.scratch / "server.log").read_text(errors="replace")
