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
echo '<script src="/widget/widget.js" data-site="__PARLOR_SITE_KEY__" async></script>' >"$work/dist/demo/index.html"

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
  # The first sync's folder is what would be published: kept for the checks.
  "s3 sync") [ -d "$AWS_SYNC_COPY" ] || cp -R "$3" "$AWS_SYNC_COPY" ;;
  "cloudfront create-invalidation") echo I2EXAMPLE ;;
esac
EOF
chmod +x "$work/bin/aws"

export AWS_LOG="$work/calls" AWS_CONFIG_COPY="$work/config.json" AWS_SYNC_COPY="$work/published"
out=$(PATH="$work/bin:$PATH" PARLOR_WEB_DIST="$work/dist" scripts/publish-web.sh --stack parlor-test --region eu-central-1 --site site_demo123)

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
  'grep -Eq "s3 sync \S+ s3://parlor-test-webbucket-1a2b --region eu-central-1 --delete --exclude config.json" <<<"$calls"'
check "the build is what is published" '[ -f "$work/published/index.html" ] && [ -f "$work/published/app.js" ]'
check "the demo page's snippet holds the site key" \
  'grep -q "data-site=\"site_demo123\"" "$work/published/demo/index.html" && ! grep -q __PARLOR_SITE_KEY__ "$work/published/demo/index.html"'
check "the build itself is left as it was" 'grep -q __PARLOR_SITE_KEY__ "$work/dist/demo/index.html"'
check "HTML is uncached" \
  'grep -q "s3 sync .* --exclude \* --include \*.html --cache-control no-cache" <<<"$calls"'
check "the stack's distribution is invalidated" \
  'grep -q "cloudfront create-invalidation --distribution-id E2EXAMPLE --paths /\*" <<<"$calls"'
check "every call names the region" \
  '! grep -v -e "--region eu-central-1" -e "^cloudfront" <<<"$calls" | grep -q .'
check "the console URL is printed" 'grep -q "Console: https://d111111abcdef8.cloudfront.net/" <<<"$out"'

rm -rf "$work/published"
out=$(PATH="$work/bin:$PATH" PARLOR_WEB_DIST="$work/dist" scripts/publish-web.sh --stack parlor-test --region eu-central-1)
check "without a site key the demo page is left out, and says so" \
  '[ -f "$work/published/index.html" ] && [ ! -e "$work/published/demo" ] && grep -q "demo page is left out" <<<"$out"'
if PATH="$work/bin:$PATH" PARLOR_WEB_DIST="$work/dist" scripts/publish-web.sh --stack parlor-test --site 'x"><script>' >/dev/null 2>&1; then
  echo "FAILED: a site key that is not one stops it"; failed=$((failed + 1))
else
  echo "ok: a site key that is not one stops it"
fi
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
