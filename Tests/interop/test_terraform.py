"""Terraform's AWS provider manages a KMS key with rotation and an alias: apply, a second plan
with no changes, destroy."""
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "terraform" / "terraformrc"


@pytest.mark.skipif(shutil.which("terraform") is None or not Path("/opt/tf-plugins").exists(),
                    reason="terraform and its provider mirror are not on this machine")
def test_kms_key_and_alias_lifecycle(fresh_server, tmp_path):
    server = fresh_server
    (tmp_path / "main.tf").write_text(textwrap.dedent(f"""
        terraform {{
          required_providers {{
            aws = {{ source = "hashicorp/aws" }}
          }}
        }}
        provider "aws" {{
          region                      = "us-east-1"
          shared_credentials_files    = ["{server.data / 'credentials'}"]
          profile                     = "default"
          skip_metadata_api_check     = true
          skip_region_validation      = true
          skip_credentials_validation = false
          skip_requesting_account_id  = false
          endpoints {{
            kms = "{server.endpoint}"
            iam = "{server.endpoint}"
            sts = "{server.endpoint}"
          }}
        }}
        resource "aws_kms_key" "orders" {{
          description             = "orders database"
          enable_key_rotation     = true
          rotation_period_in_days = 180
          deletion_window_in_days = 7
          tags = {{ team = "payments" }}
        }}
        resource "aws_kms_alias" "orders" {{
          name          = "alias/orders"
          target_key_id = aws_kms_key.orders.key_id
        }}
    """))
    rc = SHARED if SHARED.exists() else Path(os.environ.get("TF_CLI_CONFIG_FILE", ""))
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(rc), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        env.pop(k, None)

    def tf(*args, check=True):
        out = subprocess.run(["terraform", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        if check and out.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)}: {out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        return out

    tf("init", "-input=false", "-no-color")
    tf("apply", "-auto-approve", "-input=false", "-no-color")
    kms = server.client("kms")
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    key_id = aliases["alias/orders"]["TargetKeyId"]
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["Description"] == "orders database"
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 180
    plan = tf("plan", "-detailed-exitcode", "-input=false", "-no-color", check=False)
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    tf("destroy", "-auto-approve", "-input=false", "-no-color")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert kms.list_aliases()["Aliases"] == []
