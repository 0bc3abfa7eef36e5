#!/usr/bin/env bash
# demo.sh - starts the TensorPool emulator and tensorpool-csi (mode all) on a
# temporary socket, then walks volumes through what is built so far, using
# the driver's own command-line clients: the Identity answers, a shared
# volume and an object bucket through the Controller's life cycle, and the
# TensorPool API underneath, then the node side: staging, publishing into a
# pod's directory, a file written through the mount. S3 for object volumes
# comes with the object storage issue.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/tensorpool-csi"
dir=$(mktemp -d /tmp/tpcsi-demo-XXXXXX)
sock="unix://$dir/csi.sock"
log="$dir/driver.log"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$dir"' EXIT

"$root/build/tp-emulator" --api-key demo-key --port 0 --port-file "$dir/emu.port" --state "$dir/emu.json" \
  --host-root "$dir/host" --provisioning-delay-ms 800 --retry-after 0 2>"$dir/emu.log" &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$dir/emu.port" ]] && break; sleep 0.05; done
export TENSORPOOL_ENGINE="http://127.0.0.1:$(cat "$dir/emu.port")" TENSORPOOL_KEY=demo-key

# The driver gets a private mount namespace, so the demo's mounts never
# reach the host; its view of them is /proc/<pid>/root.
unshare -m --propagation private "$bin" --endpoint "$sock" --mode all --node-id node-1 --cluster-id c-demo \
  --host-root "$dir/host" --log-level debug >"$log" 2>&1 &
pid=$!
pids+=($pid)
for _ in $(seq 1 100); do [[ -S "$dir/csi.sock" ]] && break; sleep 0.05; done

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
call() { bold "\$ tensorpool-csi call $*"; "$bin" call --endpoint "$sock" "$@" || true; }
field() { sed -n "s/.*\"$1\": \"\\([^\"]*\\)\".*/\\1/p" | head -1; }

echo "tensorpool-csi $("$bin" --version | cut -d' ' -f2) on $sock (mode all), TensorPool emulator at $TENSORPOOL_ENGINE"
bold "--- Identity ---"
call GetPluginInfo
call GetPluginCapabilities
call Probe
call ControllerGetCapabilities
call NodeGetInfo

CAP='{"mount": {}, "access_mode": {"mode": "MULTI_NODE_MULTI_WRITER"}}'
bold "--- a shared volume: a new TensorPool volume (mode=volume), 10 GB ---"
req="{\"name\": \"pvc-datasets\", \"capacity_range\": {\"required_bytes\": 10000000000},
      \"volume_capabilities\": [$CAP], \"parameters\": {\"type\": \"shared\", \"mode\": \"volume\", \"onDelete\": \"delete\"},
      \"secrets\": {\"apiKey\": \"demo-key\"}}"
call CreateVolume "$req"
vid=$("$bin" call --endpoint "$sock" CreateVolume "$req" | field volume_id)
echo "(the same CreateVolume again returned $vid: no second TensorPool volume)"
call ControllerPublishVolume "{\"volume_id\": \"$vid\", \"node_id\": \"c-demo/node-1\", \"volume_capability\": $CAP}"
storage=${vid#shared/}; storage=${storage%%;*}
echo "host view after the attach: $(ls -d "$dir/host/mnt/$storage")"
call ValidateVolumeCapabilities "{\"volume_id\": \"$vid\", \"volume_capabilities\": [$CAP]}"
call ControllerExpandVolume "{\"volume_id\": \"$vid\", \"capacity_range\": {\"required_bytes\": 20000000000}}"
call ListVolumes '{"max_entries": 10}'

bold "--- the node: stage once, publish into a pod's directory, use it ---"
staging="$dir/kubelet/plugins/kubernetes.io/csi/csi.tensorpool.dev/0a1b2c/globalmount"
target="$dir/kubelet/pods/pod-1234/volumes/kubernetes.io~csi/pvc-datasets/mount"
mkdir -p "$(dirname "$staging")" "$(dirname "$target")" # the kubelet makes the parents; the driver the rest
call NodeStageVolume "{\"volume_id\": \"$vid\", \"staging_target_path\": \"$staging\", \"volume_capability\": $CAP}"
call NodePublishVolume "{\"volume_id\": \"$vid\", \"staging_target_path\": \"$staging\", \"target_path\": \"$target\", \"volume_capability\": $CAP}"
echo "hello from a pod" > "/proc/$pid/root$target/hello.txt"
echo "written through the pod's mount; the TensorPool volume now holds: $(cat "$dir/host/mnt/$storage/hello.txt")"
echo "mounts in the driver's namespace:"
awk -v d="$dir" '$5 ~ d {print "  " $5 " <- " $4}' "/proc/$pid/mountinfo"
call NodeGetVolumeStats "{\"volume_id\": \"$vid\", \"volume_path\": \"$target\"}"
call NodeUnpublishVolume "{\"volume_id\": \"$vid\", \"target_path\": \"$target\"}"
call NodeUnstageVolume "{\"volume_id\": \"$vid\", \"staging_target_path\": \"$staging\"}"
echo "mounts left under the demo directory: $(awk -v d="$dir" '$5 ~ d' "/proc/$pid/mountinfo" | wc -l)"

bold "--- a directory volume inside it (mode=subdir) ---"
sub="{\"name\": \"pvc-checkpoints\", \"volume_capabilities\": [$CAP],
      \"parameters\": {\"storageId\": \"$storage\", \"onDelete\": \"archive\"}}"
call CreateVolume "$sub"
echo "inside the TensorPool volume: $(ls "$dir/host/mnt/$storage" | tr '\n' ' ')"
subvid=$("$bin" call --endpoint "$sock" CreateVolume "$sub" | field volume_id)
call DeleteVolume "{\"volume_id\": \"$subvid\"}"
echo "after DeleteVolume (onDelete=archive): $(ls "$dir/host/mnt/$storage" | tr '\n' ' ')"

bold "--- an object volume: a bucket (mode=bucket) ---"
"$bin" tp object-enable >/dev/null
breq="{\"name\": \"pvc-Models_2026\", \"volume_capabilities\": [$CAP], \"parameters\": {\"type\": \"object\", \"onDelete\": \"delete\"}}"
call CreateVolume "$breq"
bvid=$("$bin" call --endpoint "$sock" CreateVolume "$breq" | field volume_id)
bold "\$ tensorpool-csi tp bucket-list"; "$bin" tp bucket-list
call DeleteVolume "{\"volume_id\": \"$bvid\"}"

bold "--- and back: unpublish (no detach by default), delete ---"
call ControllerUnpublishVolume "{\"volume_id\": \"$vid\", \"node_id\": \"c-demo/node-1\"}"
bold "\$ tensorpool-csi tp volume-detach $storage c-demo   # detaching is the operator's call: it restarts the cluster's nodes"
"$bin" tp volume-detach "$storage" c-demo
call DeleteVolume "{\"volume_id\": \"$vid\"}"
bold "\$ tensorpool-csi tp volume-list"; "$bin" tp volume-list

kill -TERM "$pid"
wait "$pid" && rc=0 || rc=$?
bold "driver log (debug level; secrets are stripped):"
grep -v ' grpc: ' "$log" | grep -E ' rpc: (method=|/csi.v1.Controller/CreateVolume request)| main: ' | head -40
if grep -q 'demo-key' "$log"; then echo "demo: a secret reached the log"; exit 1; fi
echo
echo "driver exited $rc after SIGTERM"
exit "$rc"
