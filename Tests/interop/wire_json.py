"""JSON for values that hold bytes ({"__b64__": ...}) and datetimes (ISO 8601 text): what the
old-client subprocess of test_sqs_query.py and the test exchange. Plain Python only: the old
client imports it beside its own botocore."""
import base64
import datetime


def encode(v):
    if isinstance(v, bytes):
        return {"__b64__": base64.b64encode(v).decode()}
    if isinstance(v, dict):
        return {k: encode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [encode(x) for x in v]
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    return v


def decode(v):
    if isinstance(v, dict):
        if set(v) == {"__b64__"}:
            return base64.b64decode(v["__b64__"])
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v
