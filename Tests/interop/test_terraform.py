"""Terraform's AWS provider manages Rampart's resources: apply, a second plan with no changes,
destroy. A KMS key with rotation and an alias; IAM users, access keys, roles, managed policies
with attachments, a key with a policy naming the role, and a grant to it."""
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from conftest import ACCOUNT

SHARED = Path(__file__).resolve().parents[3] / "shared" / "terraform" / "terraformrc"

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None or not Path("/opt/tf-plugins").exists(),
                                reason="terraform and its provider mirror are not on this machine")


class Terraform:
    """One Terraform working folder pointed at a server."""

    def __init__(self, server, folder, resources):
        self.folder = folder
        (folder / "main.tf").write_text(textwrap.dedent(f"""
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
                sqs = "{server.endpoint}"
                sns = "{server.endpoint}"
                events = "{server.endpoint}"
                logs = "{server.endpoint}"
                lambda = "{server.endpoint}"
              }}
            }}
        """) + textwrap.dedent(resources))
        rc = SHARED if SHARED.exists() else Path(os.environ.get("TF_CLI_CONFIG_FILE", ""))
        self.env = dict(os.environ, TF_CLI_CONFIG_FILE=str(rc), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
            self.env.pop(k, None)

    def __call__(self, *args, check=True):
        out = subprocess.run(["terraform", *args, "-no-color"], cwd=self.folder, env=self.env, capture_output=True,
                             text=True, timeout=600)
        if check and out.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)}: {out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        return out

    def apply_then_plan_is_empty(self):
        self("init", "-input=false")
        self("apply", "-auto-approve", "-input=false")
        plan = self("plan", "-detailed-exitcode", "-input=false", check=False)
        assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]


def test_kms_key_and_alias_lifecycle(fresh_server, tmp_path):
    server = fresh_server
    tf = Terraform(server, tmp_path, """
        resource "aws_kms_key" "orders" {
          description             = "orders database"
          enable_key_rotation     = true
          rotation_period_in_days = 180
          deletion_window_in_days = 7
          tags = { team = "payments" }
        }
        resource "aws_kms_alias" "orders" {
          name          = "alias/orders"
          target_key_id = aws_kms_key.orders.key_id
        }
    """)
    tf.apply_then_plan_is_empty()
    kms = server.client("kms")
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    key_id = aliases["alias/orders"]["TargetKeyId"]
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["Description"] == "orders database"
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 180
    tf("destroy", "-auto-approve", "-input=false")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert kms.list_aliases()["Aliases"] == []


def test_iam_and_a_key_policy_and_grant(fresh_server, tmp_path):
    server = fresh_server
    tf = Terraform(server, tmp_path, f"""
        resource "aws_iam_user" "ci" {{
          name = "ci"
          tags = {{ team = "platform" }}
        }}
        resource "aws_iam_access_key" "ci" {{
          user = aws_iam_user.ci.name
        }}
        resource "aws_iam_role" "app" {{
          name = "app"
          assume_role_policy = jsonencode({{
            Version = "2012-10-17"
            Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole",
                            Principal = {{ AWS = "arn:aws:iam::{ACCOUNT}:root" }} }}]
          }})
        }}
        resource "aws_iam_policy" "list_keys" {{
          name   = "list-keys"
          policy = jsonencode({{
            Version = "2012-10-17"
            Statement = [{{ Effect = "Allow", Action = ["kms:ListKeys", "kms:ListAliases"], Resource = "*" }}]
          }})
        }}
        resource "aws_iam_role_policy_attachment" "app" {{
          role       = aws_iam_role.app.name
          policy_arn = aws_iam_policy.list_keys.arn
        }}
        resource "aws_iam_user_policy_attachment" "ci" {{
          user       = aws_iam_user.ci.name
          policy_arn = aws_iam_policy.list_keys.arn
        }}
        resource "aws_kms_key" "app" {{
          description             = "app data"
          deletion_window_in_days = 7
          policy = jsonencode({{
            Version = "2012-10-17"
            Statement = [
              {{ Sid = "admin", Effect = "Allow", Principal = {{ AWS = "arn:aws:iam::{ACCOUNT}:root" }},
                 Action = "kms:*", Resource = "*" }},
              {{ Sid = "app", Effect = "Allow", Principal = {{ AWS = aws_iam_role.app.arn }},
                 Action = ["kms:Encrypt", "kms:Decrypt"], Resource = "*" }}
            ]
          }})
        }}
        resource "aws_kms_grant" "ci" {{
          name              = "ci-decrypt"
          key_id            = aws_kms_key.app.key_id
          grantee_principal = aws_iam_user.ci.arn
          operations        = ["Decrypt", "DescribeKey"]
        }}
    """)
    tf.apply_then_plan_is_empty()
    iam = server.client("iam")
    assert iam.get_user(UserName="ci")["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/ci"
    assert len(iam.list_access_keys(UserName="ci")["AccessKeyMetadata"]) == 1
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/list-keys"
    assert iam.list_attached_role_policies(RoleName="app")["AttachedPolicies"][0]["PolicyArn"] == policy_arn
    kms = server.client("kms")
    key_id = [k for k in kms.list_keys()["Keys"]][0]["KeyId"]
    grants = kms.list_grants(KeyId=key_id)["Grants"]
    assert [g["Name"] for g in grants] == ["ci-decrypt"]
    tf("destroy", "-auto-approve", "-input=false")
    assert iam.list_roles()["Roles"] == [] and iam.list_users()["Users"] == []
    assert iam.list_policies(Scope="Local")["Policies"] == []
