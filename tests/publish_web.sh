#!/usr/bin/env bash
# scripts/publish-web.sh against a stand-in `aws` that answers describe-stacks with a stack's
# outputs and records every other call: checks which bucket and distribution it uses, the cache
# headers, and the /config.json contract the web apps read. Offline; run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/dist/widget" "$work/dist/demo"
echo '<!doctype html>' >"$work/dist/index.html"
echo '<!doctype html>' >"$work/dist/widget/index.html"
echo 'console.log(1)' >"$work/dist/app.js"

cat >"$work/bin/aws" <<'EOF'
#!/usr/bin/env bash
# Answers like the AWS CLI for the stack `parlor-test`; logs every call to $AWS_LOG.
echo "$*" >>"$AWS_LOG"
case "$1 $2" in
  "cloudformation describe-stacks")
    [[ "$*" == *"--stack-name parlor-test"* ]] || { echo "no such stack" >&2; exit 254; }
    case "$*" in
      *"'WebBucketName'"*) echo parlor-test-webbucket-1a2b ;;
      *"'DistributionId'"*) echo E2EXAMPLE ;;
      *"'HttpApiUrl'"*) echo https://abc123.execute-api.eu-central-1.amazonaws.com ;;
      *"'WebSocketUrl'"*) echo wss://def456.execute-api.eu-central-1.amazonaws.com/prod ;;
      *"'ConsoleUrl'"*) echo https://d111111abcdef8.cloudfront.net/ ;;
      *) echo None ;;
    esac ;;
  "s3 cp") cp "$3" "$AWS_CONFIG_COPY" ;;
  "cloudfront create-invalidation") echo I2EXAMPLE ;;
esac
EOF
chmod +x "$work/bin/aws"

export AWS_LOG="$work/calls" AWS_CONFIG_COPY="$work/config.json"
out=$(PATH="$work/bin:$PATH" PARLOR_WEB_DIST="$work/dist" scripts/publish-web.sh --stack parlor-test --region eu-central-1)

failed=0
check() {
  if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; failed=$((failed + 1)); fi
}
calls=$(cat "$AWS_LOG")
check "config.json names both APIs" \
  '[ "$(cat "$AWS_CONFIG_COPY")" = "{\"http\":\"https://abc123.execute-api.eu-central-1.amazonaws.com/api\",\"ws\":\"wss://def456.execute-api.eu-central-1.amazonaws.com/prod\"}" ]'
check "config.json is uploaded as uncached JSON beside index.html" \
  'grep -q "s3 cp .* s3://parlor-test-webbucket-1a2b/config.json --region eu-central-1 --content-type application/json --cache-control no-cache" <<<"$calls"'
check "the build is synced to the stack's bucket, deleting what is gone, config.json kept" \
  'grep -q "s3 sync $work/dist s3://parlor-test-webbucket-1a2b --region eu-central-1 --delete --exclude config.json" <<<"$calls"'
check "HTML is uncached" \
  'grep -q "s3 sync .* --exclude \* --include \*.html --cache-control no-cache" <<<"$calls"'
check "the stack's distribution is invalidated" \
  'grep -q "cloudfront create-invalidation --distribution-id E2EXAMPLE --paths /\*" <<<"$calls"'
check "every call names the region" \
  '! grep -v -e "--region eu-central-1" -e "^cloudfront" <<<"$calls" | grep -q .'
check "the console URL is printed" 'grep -q "Console: https://d111111abcdef8.cloudfront.net/" <<<"$out"'

if PATH="$work/bin:$PATH" PARLOR_WEB_DIST="$work/dist" scripts/publish-web.sh --stack nope >/dev/null 2>&1; then
  echo "FAILED: an unknown stack stops it"; failed=$((failed + 1))
else
  echo "ok: an unknown stack stops it"
fi
if PATH="$work/bin:$PATH" PARLOR_WEB_DIST="$work/missing" scripts/publish-web.sh --stack parlor-test >/dev/null 2>&1; then
  echo "FAILED: a missing build stops it"; failed=$((failed + 1))
else
  echo "ok: a missing build stops it"
fi
[ "$failed" = 0 ] || { echo "publish-web: $failed checks failed" >&2; exit 1; }
