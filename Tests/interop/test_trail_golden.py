"""Issue 7: Rampart's KMS records compared with the shapes AWS's KMS developer guide documents
(Tests/interop/golden/kms-records.json): the same top-level fields, requestParameters,
responseElements and additionalEventData, and resources naming the key."""
import json
from pathlib import Path

from conftest import ACCOUNT

GOLDEN = json.loads((Path(__file__).parent / "golden" / "kms-records.json").read_text())


def matches(expected, actual, bindings, path):
    if expected == "*":
        assert actual is not None, f"{path}: missing"
        return
    if isinstance(expected, str) and expected.startswith("$"):
        assert actual == bindings[expected], f"{path}: {actual!r} != {bindings[expected]!r}"
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        assert set(actual) == set(expected), f"{path}: fields {sorted(actual)} != {sorted(expected)}"
        for k, v in expected.items():
            matches(v, actual[k], bindings, f"{path}.{k}")
        return
    assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def test_kms_records_match_the_documented_shapes(fresh_server):
    kms = fresh_server.client("kms")
    key = kms.create_key()["KeyMetadata"]
    bindings = {"$keyId": key["KeyId"], "$keyArn": key["Arn"], "$account": ACCOUNT}
    context = {"Department": "Engineering"}
    kms.enable_key_rotation(KeyId=key["KeyId"])
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"golden", EncryptionContext=context)["CiphertextBlob"]
    kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
    kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256", EncryptionContext=context)
    kms.generate_data_key_pair(KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P256", EncryptionContext={"Project": "Alpha"})
    kms.disable_key(KeyId=key["KeyId"])
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    trail = fresh_server.client("cloudtrail")
    for name, expected in GOLDEN["records"].items():
        events = trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])["Events"]
        assert events, f"no {name} record"
        record = json.loads(events[0]["CloudTrailEvent"])
        fields = set(record)
        assert set(GOLDEN["topLevel"]) <= fields, f"{name}: missing {set(GOLDEN['topLevel']) - fields}"
        assert fields <= set(GOLDEN["topLevel"]) | set(GOLDEN["optionalTopLevel"]), \
            f"{name}: unexpected {fields - set(GOLDEN['topLevel']) - set(GOLDEN['optionalTopLevel'])}"
        assert record["eventVersion"] == "1.11" and record["eventSource"] == "kms.amazonaws.com"
        assert record["eventType"] == "AwsApiCall" and record["eventCategory"] == "Management"
        assert record["recipientAccountId"] == ACCOUNT and record["managementEvent"] is True
        for part in ("requestParameters", "responseElements", "readOnly"):
            matches(expected[part], record[part], bindings, f"{name}.{part}")
        matches(expected.get("additionalEventData"), record.get("additionalEventData"), bindings,
                f"{name}.additionalEventData")
        assert record["resources"] == [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key["Arn"]}], name
