#!/usr/bin/env bash
# Builds the C interop client into $1 (default /tmp/choros-c-client) from protoc-c output.
# protoc-c 1.4 does not support proto3 `optional` (explicit presence), so it compiles a copy
# of the protos with that keyword removed: for the non-zero values this client sends, the
# bytes on the wire are the same.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-/tmp/choros-c-client}
rm -rf "$out" && mkdir -p "$out/protos/choros/v1" "$out/gen"
for proto in wire ops audit claims index gateway; do
    sed -E 's/^(\s*)optional /\1/' "$root/protos/choros/v1/$proto.proto" > "$out/protos/choros/v1/$proto.proto"
done
protoc-c --c_out="$out/gen" -I "$out/protos" "$out"/protos/choros/v1/{wire,ops,audit,claims,index,gateway}.proto
gcc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O1 -I "$out/gen" -o "$out/choros_client" \
    "$root/Tests/Interop/c/choros_client.c" "$out"/gen/choros/v1/*.pb-c.c \
    $(pkg-config --cflags --libs libprotobuf-c libsodium)
echo "$out/choros_client"
