#!/usr/bin/env bash
# Publishes the built console, widget and demo page (web/dist/: the console at /, the widget under
# /widget/, the demo page under /demo/) to a deployed Parlor stack's hosting bucket, writes
# /config.json to tell the apps where the APIs are, and invalidates CloudFront's copies.
# Run it after `sam deploy`, and again after each web build. Needs the AWS CLI v2 with credentials
# for the stack's account (docs/deploy.md).
#
#   scripts/publish-web.sh [--stack NAME] [--region REGION] [--build]
#
#   --stack   the CloudFormation stack (default: $PARLOR_STACK, else "parlor", samconfig's default)
#   --region  its region (default: the AWS CLI's)
#   --build   run `npm ci && npm run build` in web/ first
#   PARLOR_WEB_DIST names another folder to publish than web/dist (tests/publish_web.sh uses it).
#
# /config.json is the contract with the web apps: {"http": "<HTTP API base, replaces /api>",
# "ws": "<WebSocket URL, replaces /ws>"}; without it they use same-origin /api and /ws.
set -euo pipefail
cd "$(dirname "$0")/.."

stack=${PARLOR_STACK:-parlor}
region_args=()
build=false
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack=$2; shift 2 ;;
    --region) region_args=(--region "$2"); shift 2 ;;
    --build) build=true; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "publish-web: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ! command -v aws >/dev/null; then
  echo "publish-web: the AWS CLI v2 is needed (aws); see docs/deploy.md" >&2
  exit 1
fi
dist=${PARLOR_WEB_DIST:-web/dist}
if $build; then
  npm ci --prefix web
  npm run build --prefix web
fi
if [ ! -f "$dist/index.html" ]; then
  echo "publish-web: $dist/index.html is missing: build the web apps first (npm run build --prefix web, or --build)" >&2
  exit 1
fi

output() {
  local value
  value=$(aws cloudformation describe-stacks "${region_args[@]}" --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text)
  if [ -z "$value" ] || [ "$value" = None ]; then
    echo "publish-web: stack $stack has no output $1: is it deployed from infra/template.yaml?" >&2
    exit 1
  fi
  printf '%s' "$value"
}
bucket=$(output WebBucketName)
distribution=$(output DistributionId)
http_api=$(output HttpApiUrl)
websocket=$(output WebSocketUrl)
console=$(output ConsoleUrl)

echo "== $dist -> s3://$bucket"
# HTML and the config are asked for again on every visit; everything else for an hour (the
# invalidation below clears CloudFront's copies on each publish).
aws s3 sync "$dist" "s3://$bucket" "${region_args[@]}" --delete --exclude config.json \
  --exclude '*.html' --cache-control 'public, max-age=3600'
aws s3 sync "$dist" "s3://$bucket" "${region_args[@]}" --delete --exclude '*' --include '*.html' \
  --cache-control 'no-cache'

config=$(mktemp)
trap 'rm -f "$config"' EXIT
printf '{"http":"%s/api","ws":"%s"}\n' "$http_api" "$websocket" >"$config"
echo "== config.json: $(cat "$config")"
aws s3 cp "$config" "s3://$bucket/config.json" "${region_args[@]}" \
  --content-type application/json --cache-control 'no-cache'

echo "== invalidating CloudFront $distribution"
aws cloudfront create-invalidation --distribution-id "$distribution" --paths '/*' \
  --query Invalidation.Id --output text

echo "Published. Console: $console (widget: ${console}widget/, demo: ${console}demo/)"
