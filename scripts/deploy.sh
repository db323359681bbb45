#!/usr/bin/env bash
# Deploy Hetong to AWS from the packaged template.
#
#   scripts/deploy.sh STAGE            (after: python -m infra.build --stage STAGE --out build/STAGE)
#
# Environment:
#   HETONG_ARTIFACT_BUCKET    (required) S3 bucket, in the deploy region, for the uploaded deployment.zip
#   HETONG_SENDER_EMAIL       (required) SES-verified sender identity
#   HETONG_LINK_SECRET        (required) at least 32 characters; HMAC secret for signing links
#   HETONG_FINANCE_EMAIL      (required) finance's address (subscribed to the finance topic)
#   HETONG_OPERATOR_EMAIL     (required) the operator's address (subscribed to the ops alarm topic)
#   HETONG_REPLY_TO_EMAIL     (optional) Reply-To for outgoing mail
#   HETONG_PUBLIC_BASE_URL    (optional) base URL of signing links; empty = the API's own URL
#   HETONG_LOG_LEVEL          (optional) DEBUG | INFO | WARNING | ERROR, default INFO
#   HETONG_BUILD_DIR          (optional) default build/STAGE
#   HETONG_STACK_NAME         (optional) default hetong-STAGE
#   HETONG_PYTHON             (optional) the Python that runs the data migration, default .venv/bin/python
#   AWS_PROFILE / AWS_REGION / AWS_ACCESS_KEY_ID ...: the usual AWS CLI settings
#
# After the deploy it runs the data migration (python -m functions.migrate) against the deployed table.
#
# Teardown: aws cloudformation delete-stack --stack-name hetong-STAGE
#   (the two DynamoDB tables are DeletionPolicy: Retain and stay; see infra/README.md).
set -euo pipefail

usage() { echo "usage: $0 STAGE   (e.g. $0 dev)" >&2; exit 64; }
die() { echo "deploy: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || usage
stage=$1
[[ $stage =~ ^[a-z][a-z0-9-]{0,15}$ ]] || die "stage must match ^[a-z][a-z0-9-]{0,15}\$, got '$stage'"

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${HETONG_BUILD_DIR:-$repo_root/build/$stage}
stack=${HETONG_STACK_NAME:-hetong-$stage}
no_creds_msg="no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or configure ~/.aws/credentials, SSO, or a role); nothing was deployed"

# 1. Credentials, without touching the network: is anything configured at all?
have_local_creds() {
  [[ -n ${AWS_ACCESS_KEY_ID:-} && -n ${AWS_SECRET_ACCESS_KEY:-} ]] && return 0
  [[ -n ${AWS_PROFILE:-} || -n ${AWS_DEFAULT_PROFILE:-} ]] && return 0
  [[ -n ${AWS_WEB_IDENTITY_TOKEN_FILE:-} ]] && return 0                                # EKS / OIDC
  [[ -n ${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-} || -n ${AWS_CONTAINER_CREDENTIALS_FULL_URI:-} ]] && return 0
  local creds=${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}
  local config=${AWS_CONFIG_FILE:-$HOME/.aws/config}
  [[ -s $creds ]] && grep -Eq '^[[:space:]]*aws_access_key_id[[:space:]]*=' "$creds" && return 0
  [[ -s $config ]] && grep -Eq '^[[:space:]]*(aws_access_key_id|credential_process|sso_session|sso_start_url|role_arn|web_identity_token_file)[[:space:]]*=' "$config" && return 0
  return 1
}
if ! have_local_creds; then
  echo "deploy: $no_creds_msg" >&2
  exit 2
fi

# 2. Inputs (still offline).
: "${HETONG_ARTIFACT_BUCKET:?set HETONG_ARTIFACT_BUCKET to an S3 bucket for the deployment artifact}"
: "${HETONG_SENDER_EMAIL:?set HETONG_SENDER_EMAIL to the SES-verified sender address}"
: "${HETONG_LINK_SECRET:?set HETONG_LINK_SECRET (at least 32 characters)}"
: "${HETONG_FINANCE_EMAIL:?set HETONG_FINANCE_EMAIL (the app requires it)}"
: "${HETONG_OPERATOR_EMAIL:?set HETONG_OPERATOR_EMAIL (the app requires it)}"
(( ${#HETONG_LINK_SECRET} >= 32 )) || die "HETONG_LINK_SECRET must be at least 32 characters"
[[ -f $build_dir/sam.yaml && -f $build_dir/deployment.zip ]] ||
  die "$build_dir/sam.yaml or deployment.zip missing: run 'python -m infra.build --stage $stage --out $build_dir' first"

# 3. Only now touch the network: do the credentials work?
command -v aws >/dev/null 2>&1 || die "the AWS CLI (aws) is not installed; nothing was deployed"
if ! identity=$(aws sts get-caller-identity --query Arn --output text 2>&1); then
  echo "deploy: AWS credentials could not be verified (aws sts get-caller-identity failed):" >&2
  while IFS= read -r line; do echo "deploy:   $line" >&2; done <<<"$identity"
  echo "deploy: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY to working credentials; nothing was deployed" >&2
  exit 2
fi

echo "deploy: stack $stack (stage $stage) as $identity"

# 4. Upload the artifact and rewrite CodeUri to its S3 location.
packaged=$build_dir/packaged.yaml
aws cloudformation package \
  --template-file "$build_dir/sam.yaml" \
  --s3-bucket "$HETONG_ARTIFACT_BUCKET" \
  --s3-prefix "hetong/$stage" \
  --output-template-file "$packaged"

# 5. Deploy. The SAM transform runs in CloudFormation.
aws cloudformation deploy \
  --template-file "$packaged" \
  --stack-name "$stack" \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
  --no-fail-on-empty-changeset \
  --parameter-overrides \
    "Stage=$stage" \
    "SenderEmail=$HETONG_SENDER_EMAIL" \
    "ReplyToEmail=${HETONG_REPLY_TO_EMAIL:-}" \
    "FinanceAlertEmail=$HETONG_FINANCE_EMAIL" \
    "OperatorEmail=$HETONG_OPERATOR_EMAIL" \
    "PublicBaseUrl=${HETONG_PUBLIC_BASE_URL:-}" \
    "LinkSecret=$HETONG_LINK_SECRET" \
    "LogLevel=${HETONG_LOG_LEVEL:-INFO}"

aws cloudformation describe-stacks --stack-name "$stack" \
  --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output table

# 6. Carry stored data over to the code just deployed (the receivables ledger: payments' seq, invoices voided
#    before it, each contract's ledger state). Idempotent: after the first deploy with the ledger it changes
#    nothing. Runs here, with the deploying credentials (Scan, Query, GetItem, UpdateItem, TransactWriteItems on
#    the main table), against the deployed table; exit 1 if a contract failed (rerun once fixed).
output() {
  aws cloudformation describe-stacks --stack-name "$stack" --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
python=${HETONG_PYTHON:-$repo_root/.venv/bin/python}
[[ -x $python ]] || python=python3
echo "deploy: migrating stored data (python -m functions.migrate)"
(
  cd "$repo_root"
  unset AWS_ENDPOINT_URL
  export HETONG_STAGE=$stage
  HETONG_TABLE=$(output MainTableName)
  HETONG_IDEMPOTENCY_TABLE=$(output IdempotencyTableName)
  HETONG_FINANCE_TOPIC_ARN=$(output FinanceTopicArn)
  export HETONG_TABLE HETONG_IDEMPOTENCY_TABLE HETONG_FINANCE_TOPIC_ARN
  export AWS_REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region)}}
  export POWERTOOLS_LOG_LEVEL=${HETONG_LOG_LEVEL:-INFO}
  "$python" -m functions.migrate
) || die "the data migration failed (see above); the stack is deployed — fix the cause and run scripts/deploy.sh again"

# 7. Anchor every audit chain once (the daily run only sees chains that grew lately; this reaches the ones written
#    before anchoring). Runs as the anchor function: only its role may sign. Idempotent: anchored heads are skipped.
echo "deploy: anchoring the audit chains (hetong-$stage-anchor, {\"all\": true})"
failed=$(aws lambda invoke --function-name "hetong-$stage-anchor" --cli-binary-format raw-in-base64-out \
  --payload '{"all": true}' --query FunctionError --output text "$build_dir/anchor-all.json") ||
  die "the anchor function could not be invoked; the stack is deployed: rerun scripts/deploy.sh"
cat "$build_dir/anchor-all.json"; echo
[[ -z $failed || $failed == None ]] ||
  die "the anchor run failed ($failed, above); the stack is deployed: fix the cause and run scripts/deploy.sh again"
