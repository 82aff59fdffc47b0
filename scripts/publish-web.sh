#!/usr/bin/env bash
# Publishes the built console, widget and demo page (web/dist/: the console at /, the widget under
# /widget/, the demo page under /demo/) to a deployed Parlor stack's hosting bucket, writes
# /config.json to tell the apps where the APIs are, and invalidates CloudFront's copies.
# Run it after `sam deploy`, and again after each web build. Needs the AWS CLI v2 with credentials
# for the stack's account (docs/deploy.md).
#
#   scripts/publish-web.sh [--stack NAME] [--region REGION] [--site KEY] [--build]
#
#   --stack   the CloudFormation stack (default: $PARLOR_STACK, else "parlor", samconfig's default)
#   --region  its region (default: the AWS CLI's)
#   --site    a site key to write into the demo page's snippet (default: $PARLOR_SITE_KEY); without
#             one the demo page (/demo/) is left out, since it could not start a chat
#   --build   run `npm ci && npm run build` in web/ first
#   PARLOR_WEB_DIST names another folder to publish than web/dist (tests/publish_web.sh uses it).
#
# /config.json is the contract with the web apps: {"http": "<HTTP API base, replaces /api>",
# "ws": "<WebSocket URL, replaces /ws>"}; without it they use same-origin /api and /ws.
set -euo pipefail
cd "$(dirname "$0")/.."

stack=${PARLOR_STACK:-parlor}
site=${PARLOR_SITE_KEY:-}
region_args=()
build=false
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack=$2; shift 2 ;;
    --region) region_args=(--region "$2"); shift 2 ;;
    --site) site=$2; shift 2 ;;
    --build) build=true; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "publish-web: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# What a site key is made of (parlor_core::ids): it goes into HTML as it is.
if [ -n "$site" ] && ! [[ $site =~ ^site_[A-Za-z0-9]+$ ]]; then
  echo "publish-web: $site is not a site key (site_…, as the first run printed it)" >&2
  exit 2
fi
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

config=$(mktemp)
stage=$(mktemp -d)
trap 'rm -rf "$config" "$stage"' EXIT
# What is published: the build, with the demo page's snippet holding the site's key.
cp -R "$dist/." "$stage/"
if [ -f "$stage/demo/index.html" ]; then
  if [ -n "$site" ]; then
    sed "s/__PARLOR_SITE_KEY__/$site/g" "$dist/demo/index.html" >"$stage/demo/index.html"
  else
    rm -rf "$stage/demo"
    echo "== no --site: the demo page is left out (publish again with --site KEY once a site exists)"
  fi
fi

echo "== $dist -> s3://$bucket"
# HTML and the config are asked for again on every visit; everything else for an hour (the
# invalidation below clears CloudFront's copies on each publish): parlor_core::edge::cache_control.
aws s3 sync "$stage" "s3://$bucket" "${region_args[@]}" --delete --exclude config.json \
  --exclude '*.html' --cache-control 'public, max-age=3600'
aws s3 sync "$stage" "s3://$bucket" "${region_args[@]}" --delete --exclude '*' --include '*.html' \
  --cache-control 'no-cache'

printf '{"http":"%s/api","ws":"%s"}\n' "$http_api" "$websocket" >"$config"
echo "== config.json: $(cat "$config")"
aws s3 cp "$config" "s3://$bucket/config.json" "${region_args[@]}" \
  --content-type application/json --cache-control 'no-cache'

echo "== invalidating CloudFront $distribution"
aws cloudfront create-invalidation --distribution-id "$distribution" --paths '/*' \
  --query Invalidation.Id --output text

if [ -f "$stage/demo/index.html" ]; then
  echo "Published. Console: $console (widget: ${console}widget/, demo: ${console}demo/)"
else
  echo "Published. Console: $console (widget: ${console}widget/)"
fi
