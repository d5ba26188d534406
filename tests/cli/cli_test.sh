#!/usr/bin/env bash
# End-to-end tests of the ias command-line tool, one case per call:
#   cli_test.sh IAS_BINARY SAMPLES_DIR WORK_DIR CASE
# Each case prints what it checked and exits non-zero on the first failure.
set -euo pipefail
ias="$1" samples="$2" work="$3/$4" case="$4"
rm -rf "$work" && mkdir -p "$work"
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
# Runs the tool expecting exit code $1, keeping its stdout and stderr in out.txt and err.txt.
expect() {
  local want="$1"; shift
  set +e; "$ias" "$@" >out.txt 2>err.txt; local got=$?; set -e
  [ "$got" -eq "$want" ] || { cat out.txt err.txt >&2; fail "ias $* exited $got, expected $want"; }
}
# The content of every file under a dataset folder, as one listing of path and checksum.
digest() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }

common=(--input "$samples" --size 64x64 --seed 11)
case "$case" in
threads)
  expect 0 generate "${common[@]}" --recipe draem --count 24 --out one --threads 1
  expect 0 generate "${common[@]}" --recipe draem --count 24 --out two --threads 2
  [ "$(digest one)" == "$(digest two)" ] || fail "1 and 2 threads wrote different files"
  [ "$(wc -l < one/manifest.jsonl)" -eq 24 ] || fail "the manifest does not have 24 lines"
  grep -q '"recipe":"draem"' one/manifest.jsonl || fail "the manifest does not name the recipe"
  grep -q '"params":\[{"stage":' one/manifest.jsonl || fail "the manifest has no traced parameters"
  [ -f one/images/000023.png ] && [ -f one/masks/000023.png ] || fail "images/000023.png or masks/000023.png is missing"
  ls one/images | grep -qv '^[0-9]\{6\}\.png$' && fail "a stray file in images/"
  echo "1 and 2 threads: identical 24-sample datasets"
  ;;
shards)
  expect 0 generate "${common[@]}" --prompt "a long scratch and a pore" --count 20 --out full
  for k in 0 1 2; do
    expect 0 generate "${common[@]}" --prompt "a long scratch and a pore" --count 20 --out sharded --shard "$k/3" --resume
  done
  [ "$(digest full)" == "$(digest sharded)" ] || fail "three shards differ from the full run"
  grep -q '"defect_kind":"scratch+pore"' full/manifest.jsonl || fail "the manifest does not record the prompt's kinds"
  expect 2 generate "${common[@]}" --prompt "a scratch" --count 4 --out bad --shard 3/3
  grep -q "3/3" err.txt || fail "a bad shard is not named"
  echo "shards 0/3, 1/3, 2/3 into one folder equal the full run"
  ;;
resume)
  expect 0 generate "${common[@]}" --recipe cutpaste --count 16 --out full
  expect 0 generate "${common[@]}" --recipe cutpaste --count 16 --out part
  # An interrupted run: some samples lost, one half-written temporary file left behind.
  rm part/records/000005.json part/records/000011.json part/images/000011.png part/manifest.jsonl
  echo junk > part/images/000011.png.tmp-somehost-4242-0   # a killed writer's: nobody holds it
  expect 0 generate "${common[@]}" --recipe cutpaste --count 16 --out part --resume
  grep -q "wrote 2 samples (skipped 14 finished" out.txt || { cat out.txt; fail "resume did not write exactly the 2 missing samples"; }
  grep -q "removed 1 temporary file" err.txt || { cat err.txt; fail "resume did not report the stale temporary file"; }
  [ "$(digest full)" == "$(digest part)" ] || fail "the resumed run differs from the full run"
  echo "resume wrote the 2 missing samples and removed a killed run's temporary file; the result equals an uninterrupted run"
  ;;
corrupt)
  mkdir in && cp "$samples"/*.png in/
  head -c 300 "$samples/fabric_weave.png" > in/truncated.png
  printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00' > in/broken.jpg
  expect 1 generate --input in --recipe cutpaste --count 8 --out out --size 64x64
  grep -q "broken.jpg" err.txt || { cat err.txt; fail "the corrupt JPEG is not named"; }
  [ ! -e out ] || [ -z "$(ls -A out)" ] || fail "a failed run wrote samples"
  expect 0 generate --input in --recipe cutpaste --count 12 --out out --size 64x64 --on-error skip
  grep -q "truncated.png" err.txt && grep -q "broken.jpg" err.txt || fail "skipped inputs are not named"
  [ "$(wc -l < out/manifest.jsonl)" -eq 8 ] || fail "skipping 2 of 6 inputs should leave 8 of 12 samples"
  echo "a corrupt JPEG and a truncated PNG are named; --on-error skip skips their samples"
  ;;
out_untouched)
  mkdir out && echo keep > out/notes.txt && mkdir out/images && echo old > out/images/000000.png
  echo photo > out/images/holiday.jpg
  expect 2 generate "${common[@]}" --recipe draem --count 4 --out out
  grep -q "is not empty; pass --force" err.txt || fail "no error about the non-empty output"
  [ "$(cat out/images/000000.png)" == "old" ] && [ "$(ls out | wc -l)" -eq 2 ] || fail "the output folder was touched"
  expect 0 generate "${common[@]}" --recipe draem --count 4 --out out --force
  [ "$(cat out/notes.txt)" == "keep" ] || fail "--force removed a file that is not the dataset's"
  [ "$(cat out/images/holiday.jpg)" == "photo" ] || fail "--force removed a user's photo from images/"
  grep -q "kept 'out/images/holiday.jpg'" err.txt && grep -q "kept 'out/notes.txt'" err.txt || { cat err.txt; fail "--force does not name the files it kept"; }
  [ "$(wc -l < out/manifest.jsonl)" -eq 4 ] || fail "--force did not write the dataset"
  mkdir docs && echo mine > docs/notes.txt
  expect 2 generate "${common[@]}" --recipe draem --count 4 --out docs --resume
  grep -q "holds no run.json" err.txt || { cat err.txt; fail "--resume into a folder of other files is not refused"; }
  [ "$(ls docs)" == notes.txt ] || fail "--resume wrote into a folder of other files"
  mkdir photos linked && echo photo > photos/000001.png && ln -s ../photos linked/images
  expect 2 generate "${common[@]}" --recipe draem --count 4 --out linked --force
  grep -q "is a link" err.txt || { cat err.txt; fail "a link in place of images/ is not refused"; }
  [ "$(cat photos/000001.png)" == photo ] && [ "$(ls photos)" == 000001.png ] || fail "--force wrote or removed through a link"
  echo "a non-empty --out is left untouched without --force; --force keeps and names the user's files, images/holiday.jpg too;" \
       "--resume refuses a folder of other files; nothing is written or removed through a link in place of images/"
  ;;
out_empty)
  mkdir here && cd here
  echo mine > manifest.jsonl && mkdir images && echo mine > images/000000.png
  expect 2 generate --input "$samples" --recipe draem --count 2 --out "" --force
  grep -q "output folder is an empty path" err.txt || { cat err.txt; fail "an empty --out is not refused by name"; }
  [ "$(cat manifest.jsonl)" == mine ] && [ "$(cat images/000000.png)" == mine ] || fail "--out '' overwrote files in the current folder"
  echo "--out '' is refused; the current folder is untouched"
  ;;
force_checks_first)
  expect 0 generate "${common[@]}" --recipe draem --count 6 --out data
  before=$(digest data)
  bad_lines=("--size 64x64 --recipe draem --count 6 --seed 7x" "--size 64x64 --seed 11 --recipe draem --count 6 --threads abc"
             "--size 64x64 --seed 11 --recipe draem --count 4294967297 --shard 1/4294967295"
             "--size 64x64 --seed 11 --recipe draem --count 5000000000" "--size 64x64 --seed 11 --recipe draem --count 6 --epoch -1"
             "--size 65536x65536 --seed 11 --recipe draem --count 6" "--size 64x64 --seed 11 --recipe draem --count 6 --shard 2/2"
             "--size 64x64 --seed 11 --recipe draem --count 6 --on-error maybe" "--size 64x64 --seed 11 --recipe no_such --count 6"
             "--size 64x64 --seed 11 --prompt a_purple_scratch --count 6" "--size 64x64 --seed 11 --recipe draem --count 6 --max-pixels 0")
  for line in "${bad_lines[@]}"; do
    read -ra options <<< "$line"
    expect 2 generate --input "$samples" "${options[@]}" --out data --force
    [ "$(digest data)" == "$before" ] || fail "--force with '$line' changed the dataset"
  done
  mkdir in && cp "$samples"/*.png in/ && head -c 300 "$samples/fabric_weave.png" > in/cut.png
  expect 1 generate --input in --size 64x64 --seed 11 --recipe draem --count 6 --out data --force
  grep -q "cut.png" err.txt || fail "the corrupt input is not named"
  [ "$(digest data)" == "$before" ] || fail "--force with a corrupt input changed the dataset"
  echo "--force with any of ${#bad_lines[@]} wrong command lines exits 2, and with a corrupt input 1, and the dataset stays byte for byte"
  ;;
apart)
  mkdir -p proj/images && cp "$samples"/*.png proj/images/
  photos=$(digest proj/images)
  expect 2 generate --input proj/images --recipe draem --count 2 --out proj --force
  grep -q "contains it" err.txt || { cat err.txt; fail "an output that contains the input is not refused"; }
  expect 2 generate --input proj/images --recipe draem --count 2 --out proj/images --force
  grep -q "the same folder" err.txt || { cat err.txt; fail "an output that is the input is not refused"; }
  expect 2 generate --input proj --recipe draem --count 2 --out proj/images/../synthetic --force
  grep -q "lies inside it" err.txt || { cat err.txt; fail "an output inside the input is not refused"; }
  mkdir tex && cp "$samples/wood_grain.png" tex/
  expect 2 generate --input proj/images --recipe draem --textures tex --count 2 --out tex/out
  grep -q "\-\-textures folder" err.txt || { cat err.txt; fail "an output inside --textures is not refused"; }
  [ "$(digest proj/images)" == "$photos" ] && [ ! -e proj/synthetic ] && [ ! -e tex/out ] || fail "a refused run changed files"
  echo "an output that is, contains or lies inside --input or --textures is refused; the photos are untouched"
  ;;
concurrent_shards)
  expect 0 generate "${common[@]}" --recipe cutpaste --count 30 --out full
  for trial in $(seq 1 20); do
    rm -rf both
    "$ias" generate "${common[@]}" --recipe cutpaste --count 30 --out both --shard 0/2 --resume --threads 1 >out0.txt 2>err0.txt & p0=$!
    "$ias" generate "${common[@]}" --recipe cutpaste --count 30 --out both --shard 1/2 --resume --threads 1 >out1.txt 2>err1.txt & p1=$!
    wait $p0 || { cat err0.txt; fail "trial $trial: shard 0/2 failed"; }
    wait $p1 || { cat err1.txt; fail "trial $trial: shard 1/2 failed"; }
    [ "$(wc -l < both/manifest.jsonl)" -eq 30 ] || fail "trial $trial: the manifest has $(wc -l < both/manifest.jsonl) of 30 lines"
    [ "$(digest both)" == "$(digest full)" ] || fail "trial $trial: two shards at once differ from the full run"
  done
  echo "20 trials of two shard processes at once into one folder: the manifest complete and the dataset equal to the full run every time"
  ;;
resume_mismatch)
  expect 0 generate "${common[@]}" --recipe draem --count 8 --out data
  before=$(digest data)
  try() {  # $1: what the message must name; the rest: the changed command line
    local want="$1"; shift
    expect 2 generate "$@" --out data --resume
    grep -qF -- "$want" err.txt || { cat err.txt; fail "a mismatch is not named: no '$want'"; }
    [ "$(digest data)" == "$before" ] || fail "a refused --resume changed the dataset"
  }
  try '"recipe" is "draem" in the dataset and "cutpaste" in this run' "${common[@]}" --recipe cutpaste --count 8
  try '"seed" is 11 in the dataset and 12 in this run' --input "$samples" --size 64x64 --seed 12 --recipe draem --count 8
  try '"size" is "64x64" in the dataset and "32x32" in this run' --input "$samples" --size 32x32 --seed 11 --recipe draem --count 8
  try '"count" is 8 in the dataset and 6 in this run' "${common[@]}" --recipe draem --count 6
  try '"epoch" is 0 in the dataset and 1 in this run' "${common[@]}" --recipe draem --count 8 --epoch 1
  expect 0 recipe draem --json
  sed 's/"texture_opacity": \[0.2, 1\]/"texture_opacity": [0.3, 1]/' out.txt > changed.json
  try '"parameter texture_opacity" is [0.2, 1] in the dataset and [0.3, 1] in this run' "${common[@]}" --config changed.json --count 8
  mkdir in && cp "$samples"/*.png in/ && cp "$samples/wood_grain.png" in/extra.png
  try '"input extra.png"' --input in --size 64x64 --seed 11 --recipe draem --count 8
  expect 0 generate "${common[@]}" --recipe draem --count 8 --out data --resume
  [ "$(digest data)" == "$before" ] || fail "a matching --resume changed the finished dataset"
  echo "--resume with another recipe, parameter, seed, size, count, epoch or input is refused by field and values; the same run is accepted"
  ;;
truncated)
  expect 0 generate "${common[@]}" --recipe draem --count 8 --out full
  expect 0 generate "${common[@]}" --recipe draem --count 8 --out data
  : > data/images/000003.png                       # a crash after the record, before the image reached the disk
  printf 'x' | dd of=data/masks/000005.png bs=1 seek=40 conv=notrunc status=none   # one byte changed
  expect 0 generate "${common[@]}" --recipe draem --count 8 --out data --resume
  grep -q "making sample 3 again: 'data/images/000003.png' has 0 bytes" err.txt || { cat err.txt; fail "the truncated image is not named"; }
  grep -q "making sample 5 again: 'data/masks/000005.png' does not have the SHA-256" err.txt || { cat err.txt; fail "the changed mask is not named"; }
  grep -q "wrote 2 samples (skipped 6 finished" out.txt || { cat out.txt; fail "resume did not remake exactly the 2 damaged samples"; }
  [ "$(digest full)" == "$(digest data)" ] || fail "the repaired dataset differs from the full run"
  echo "a truncated image and a changed mask after a finished run are remade by --resume; the result equals the full run"
  ;;
kill)
  args=("${common[@]}" --recipe draem --count 1000 --threads 1)
  begin=$(date +%s%N)
  expect 0 generate "${args[@]}" --out full
  run_ms=$(( ($(date +%s%N) - begin) / 1000000 ))
  RANDOM=21  # the same ten moments (as fractions of the uninterrupted run's time) every run
  mid_run=0 records=0
  for k in $(seq 1 10); do
    delay=$(awk -v ms="$run_ms" -v r="$RANDOM" 'BEGIN { printf "%.3f", ms * (0.03 + 0.12 * r / 32767) / 1000 }')
    "$ias" generate "${args[@]}" --out part --resume >/dev/null 2>&1 & pid=$!
    sleep "$delay"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    before=$records
    records=$(ls part/records 2>/dev/null | grep -c '^[0-9]*\.json$' || true)
    [ "$records" -gt "$before" ] && [ "$records" -lt 1000 ] && mid_run=$((mid_run + 1))
    echo "kill -9 after ${delay}s: $records records"
  done
  [ "$mid_run" -ge 5 ] || fail "only $mid_run of the 10 kills came while samples were being written"
  expect 0 generate "${args[@]}" --out part --resume
  [ "$(digest full)" == "$(digest part)" ] || fail "kill -9 ten times, then --resume, differs from the uninterrupted run"
  echo "kill -9 at ten moments ($mid_run while samples were being written), then --resume: the dataset equals the uninterrupted run byte for byte"
  ;;
bomb)
  mkdir in && cp "$samples/wood_grain.png" in/
  # 12000 x 12000 grey zeros: 144 megapixels that deflate to about 140 kB.
  python3 -c '
import struct, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
w = h = 12000
z = zlib.compressobj(9)
row = bytes(w + 1)
idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()
header = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
open("in/bomb.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
'
  [ "$(stat -c %s in/bomb.png)" -lt 1000000 ] || fail "the bomb is not small"
  expect 1 generate --input in --recipe cutpaste --count 2 --out out
  grep -q "bomb.png" err.txt && grep -q "12000x12000 is 144000000 pixels, more than the limit of 100000000" err.txt || { cat err.txt; fail "the bomb is not refused by name"; }
  [ ! -e out ] || fail "a refused run wrote something"
  expect 0 generate --input in --recipe cutpaste --count 2 --out out --on-error skip
  grep -q "skipping an input that cannot be read: .*bomb.png" err.txt || fail "the skipped bomb is not named"
  expect 2 generate --input in --recipe cutpaste --count 2 --out big --size 65536x65536
  grep -q "more than the limit of 100000000" err.txt || { cat err.txt; fail "a huge --size is not refused"; }
  echo "a 144-megapixel PNG bomb is refused from its header by name; --size 65536x65536 is refused"
  # A sound 9000 x 9000 image that does not fit in the memory allowed: a memory error, never
  # an input's (--on-error skip must not drop it). A sanitizer build cannot run under ulimit -v.
  rm in/bomb.png
  python3 -c '
import struct, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
w = h = 9000
z = zlib.compressobj(9)
idat = b"".join(z.compress(bytes(w + 1)) for _ in range(h)) + z.flush()
open("in/large.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
'
  if (ulimit -v 200000; "$ias" recipes >/dev/null 2>&1); then
    set +e; (ulimit -v 200000; "$ias" generate --input in --recipe cutpaste --count 2 --out tight --on-error skip) >out.txt 2>err.txt; got=$?; set -e
    [ "$got" -eq 1 ] || { cat err.txt; fail "running out of memory exited $got, expected 1"; }
    grep -q "out of memory" err.txt || { cat err.txt; fail "running out of memory is not reported as such"; }
    grep -q "skipping an input" err.txt && fail "running out of memory was blamed on an input"
    [ ! -e tight ] || fail "a run out of memory wrote something"
    expect 0 generate --input in --recipe cutpaste --count 2 --out roomy --size 64x64
    echo "a 9000x9000 image in 200 MB of memory: exit 1, 'out of memory', not skipped as a bad input; with enough memory it is used"
  else
    echo "(this build cannot run under ulimit -v, a sanitizer build: the out-of-memory check is skipped)"
  fi
  ;;
disk_full)
  # A small tmpfs, mounted in a mount namespace of this test's own; skipped where that is not allowed.
  if ! unshare -m sh -c "mkdir -p '$work/probe' && mount -t tmpfs -o size=1m tmpfs '$work/probe'" 2>/dev/null; then
    echo "SKIP: cannot mount a tmpfs in a private mount namespace here (needs root or user namespaces)"
    exit 77
  fi
  exec unshare -m bash "$0" "$ias" "$samples" "$3" disk_full_inside
  ;;
disk_full_inside)
  args=("${common[@]}" --recipe draem --count 40 --threads 2)
  expect 0 generate "${args[@]}" --out full
  mkdir small && mount -t tmpfs -o size=160k tmpfs small
  expect 1 generate "${args[@]}" --out small/data
  grep -q "No space left on device" err.txt || { cat err.txt; fail "a full disk is not reported"; }
  written=$(ls small/data/records | grep -c '^[0-9]*\.json$' || true)
  [ "$written" -lt 40 ] || fail "the disk did not fill"
  for f in small/data/images/*.png small/data/masks/*.png; do   # no partial file under a final name
    [ -s "$f" ] || fail "$f is empty after the disk filled"
  done
  mount -o remount,size=64m small
  expect 0 generate "${args[@]}" --out small/data --resume
  [ "$(digest full)" == "$(digest small/data)" ] || fail "--resume after the disk filled differs from the full run"
  echo "the disk filled after $written of 40 samples: exit 1, 'No space left on device'; --resume once space returned equals the full run"
  ;;
exit_codes)
  expect 2 generate "${common[@]}" --recipe draem --count 2 --out x --force --resume
  grep -q "exclude each other" err.txt || fail "--force --resume is not refused by name"
  mkdir folder.json
  expect 2 generate "${common[@]}" --config folder.json --count 2 --out x
  grep -q "'folder.json' is a folder" err.txt || { cat err.txt; fail "--config naming a folder is not named"; }
  expect 2 generate "${common[@]}" --recipe draem --textures no_such_folder --count 2 --out x
  grep -q "no_such_folder" err.txt || fail "a missing --textures folder is not named"
  expect 2 generate --input no_such_input --recipe draem --count 2 --out x
  grep -q "no_such_input" err.txt || fail "a missing --input folder is not named"
  [ ! -e x ] || fail "a wrong command line wrote x"
  mkdir broken && head -c 300 "$samples/fabric_weave.png" > broken/cut.png
  expect 2 preview --input broken --recipe draem --out sheet.gif   # checked before the inputs, which would exit 1
  grep -q "'.gif'" err.txt || fail "preview's bad extension is not named"
  echo old > sheet.png
  expect 2 preview --input "$samples" --recipe draem -n 2 --out sheet.png
  grep -q "exists; pass --force" err.txt || fail "preview would overwrite silently"
  [ "$(cat sheet.png)" == old ] || fail "preview overwrote sheet.png"
  expect 0 preview --input "$samples" --recipe draem -n 2 --out sheet.png --force --size 32x32
  [ "$(cat sheet.png)" != old ] || fail "preview --force did not write"
  echo "--force --resume, --config of a folder, a missing --textures or --input, preview to .gif or onto a file: exit 2, named"
  ;;
links)
  mkdir in && cp "$samples"/*.png in/
  ln -s missing.png in/dangling.png
  ln -s loop_b.png in/loop_a.png && ln -s loop_a.png in/loop_b.png
  ln -s .. in/parent
  expect 0 generate --input in --size 32x32 --recipe cutpaste --count 4 --out out
  for name in dangling.png loop_a.png loop_b.png parent; do
    grep -q "skipping 'in/$name'" err.txt || { cat err.txt; fail "the link $name is skipped without a word"; }
  done
  grep -q "target does not exist" err.txt && grep -q "in a loop" err.txt && grep -q "not followed" err.txt || fail "the reasons are not given"
  echo "dangling links, link loops and links to folders among the inputs are named as skipped"
  ;;
config)
  expect 0 recipe draem --json
  grep -q '"recipe": "draem"' out.txt || fail "recipe --json does not name the recipe"
  cp out.txt draem.json
  expect 0 generate "${common[@]}" --config draem.json --count 4 --out a
  expect 0 generate "${common[@]}" --recipe draem --count 4 --out b
  [ "$(digest a)" == "$(digest b)" ] || fail "the printed defaults do not reproduce the recipe"
  sed 's/"recipe": "draem"/"recipe": "draem", "colour": 1/' draem.json > unknown_key.json
  expect 2 generate "${common[@]}" --config unknown_key.json --count 4 --out c
  grep -q '"colour"' err.txt || fail "an unknown key is not named"
  python3 - <<'EOF' 2>/dev/null || sed -E '0,/: [0-9.]+,?$/s//: 1e9,/' draem.json > out_of_range.json
import json
c = json.load(open("draem.json"))
k = next(k for k, v in c["parameters"].items() if isinstance(v, (int, float)))
c["parameters"][k] = 1e9
json.dump(c, open("out_of_range.json", "w"))
EOF
  expect 2 generate "${common[@]}" --config out_of_range.json --count 4 --out d
  grep -q "1000000000\|1e+09\|1e9" err.txt || { cat err.txt; fail "an out-of-range value is not named"; }
  echo "{" > broken.json
  expect 2 generate "${common[@]}" --config broken.json --count 4 --out e
  expect 2 generate "${common[@]}" --recipe no_such_recipe --count 4 --out f
  grep -q "draem" err.txt || fail "an unknown recipe does not list the known ones"
  expect 2 generate "${common[@]}" --prompt "a purple scratch" --count 4 --out g
  grep -q "purple" err.txt || fail "an unknown prompt word is not named"
  expect 0 recipes
  grep -q "^draem:" out.txt || fail "ias recipes does not list draem"
  # A weighted mixture with a foreground estimate: run.json names every member, weight and field.
  cat > mixture.json <<'JSON'
{"recipe": "one_of", "members": [{"recipe": "cutpaste", "weight": 3},
  {"recipe": "prompt", "parameters": {"text": "a long dark scratch"}}],
 "estimate_foreground": {"method": "otsu"}}
JSON
  expect 0 generate "${common[@]}" --config mixture.json --count 12 --out mix
  grep -q '"member 0 weight": 3' mix/run.json && grep -q '"member 1 parameter text": "a long dark scratch"' mix/run.json \
    && grep -q '"estimate_foreground method": "otsu"' mix/run.json || { cat mix/run.json; fail "run.json does not describe the mixture"; }
  grep -q '"recipe":"one_of"' mix/manifest.jsonl || fail "the manifest does not name the mixture"
  expect 0 generate "${common[@]}" --config mixture.json --count 12 --out mix --resume
  mkdir -p fg && expect 2 generate "${common[@]}" --config mixture.json --count 2 --out h --foreground fg
  grep -q "estimate_foreground" err.txt || fail "a foreground estimate with --foreground DIR is not refused by name"
  sed 's/"weight": 3/"weight": -3/' mixture.json > negative.json
  expect 2 generate "${common[@]}" --config negative.json --count 2 --out i
  grep -qF "negative.json" err.txt && grep -q "member 0" err.txt || { cat err.txt; fail "a negative weight is not named with its file and member"; }
  echo "configs round-trip; mixtures and foreground estimates run and are described; unknown keys, out-of-range values, bad JSON and unknown recipes are named"
  ;;
every_config)
  # Every recipe from its own printed configuration gives the bytes of the recipe by name.
  expect 0 recipes
  names=$(grep -oE '^[a-z0-9_]+:' out.txt | tr -d :)
  [ "$(echo "$names" | wc -l)" -ge 17 ] || fail "ias recipes lists fewer than 17 recipes"
  for name in $names; do
    expect 0 recipe "$name" --json
    cp out.txt "$name.json"
    expect 0 generate --input "$samples" --size 48x40 --seed 5 --config "$name.json" --count 3 --out "config_$name"
    expect 0 generate --input "$samples" --size 48x40 --seed 5 --recipe "$name" --count 3 --out "named_$name"
    [ "$(digest "config_$name")" == "$(digest "named_$name")" ] || fail "$name from its configuration differs from $name by name"
  done
  # A range given upside down is named with the file, the key and the value.
  sed 's/"texture_opacity": \[0.2, 1\]/"texture_opacity": [0.9, 0.3]/' draem.json > upside_down.json
  expect 2 generate "${common[@]}" --config upside_down.json --count 2 --out bad
  grep -qF "upside_down.json" err.txt && grep -qF "'texture_opacity' is [0.9, 0.3]" err.txt || { cat err.txt; fail "an upside-down range is not named with its file"; }
  sed 's/"texture_opacity": \[0.2, 1\]/"texture_opacity": [0.2]/' draem.json > one_end.json
  expect 2 generate "${common[@]}" --config one_end.json --count 2 --out bad
  grep -qF "texture_opacity" err.txt || { cat err.txt; fail "a range of one number is not named"; }
  # The listings: JSON that parses with every recipe, and Markdown equal to docs/recipes.md.
  expect 0 recipes --json
  if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -c 'import json, sys; r = json.load(open("out.txt")); assert len(r) >= 17 and all({"name", "summary", "parameters", "rules"} <= set(x) for x in r)' \
      || fail "ias recipes --json is not the documented JSON"
  fi
  expect 0 recipes --markdown
  diff -u "$samples/../docs/recipes.md" out.txt > stale.diff || { cat stale.diff; fail "docs/recipes.md is stale: regenerate it with ias recipes --markdown > docs/recipes.md"; }
  expect 2 recipes --json --markdown
  echo "all $(echo "$names" | wc -l) recipes round-trip through their configurations; --json parses; docs/recipes.md is current"
  ;;
preview)
  expect 0 preview --input "$samples" --recipe draem -n 6 --out sheet.png --size 96x96
  [ -s sheet.png ] && grep -q "wrote sheet.png: 6 samples" out.txt || fail "no preview sheet"
  echo "preview wrote a 6-row sheet"
  ;;
help)
  for c in generate preview recipes recipe eval; do
    expect 0 "$c" --help
    grep -q "usage: ias $c" out.txt || fail "ias $c --help prints no usage"
  done
  expect 2 frobnicate
  expect 2 generate --input "$samples" --recipe draem --out x
  grep -q "count" err.txt || fail "a missing --count is not named"
  echo "every command has --help; unknown commands and missing options exit 2"
  ;;
eval)
  # Perfect maps: the masks of a generated dataset scored against themselves.
  expect 0 generate "${common[@]}" --recipe draem --count 12 --out data
  cp -r data/masks perfect
  expect 0 eval --scores perfect --ground-truth data/masks --json
  grep -q '"image_auroc":1,"pixel_auroc":1,"aupro":1,"pixel_ap":1' out.txt || { cat out.txt err.txt; fail "perfect maps do not score 1"; }
  # A hand-computed case: a normal image scored (0.1, 0.2) and an anomalous one scored
  # (0.15, 0.3) whose first pixel is the defect. Image scores 0.2 < 0.3: image AUROC 1. The
  # defect pixel (0.15) beats one of three normal pixels: pixel AUROC 1/3; at its threshold the
  # precision is 1/3: AP 1/3; two of three normal pixels lie above it, so below FPR 0.3 no
  # region is found: AUPRO 0.
  mkdir scores truth
  printf 'Pf\n2 1\n-1.0\n\xcd\xcc\xcc\x3d\xcd\xcc\x4c\x3e' > scores/normal.pfm
  printf 'Pf\n2 1\n-1.0\n\x9a\x99\x19\x3e\x9a\x99\x99\x3e' > scores/defect.pfm
  python3 -c '
import struct, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
header = struct.pack(">IIBBBBB", 2, 1, 8, 0, 0, 0, 0)  # 2 x 1, 8-bit grey
pixels = zlib.compress(bytes([0, 255, 0]))            # filter byte, then the row
open("truth/defect.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
'
  expect 0 eval --scores scores --ground-truth truth
  for line in "images: 2 (1 anomalous)" "image AUROC: 1.000000" "pixel AUROC: 0.333333" "AUPRO (FPR <= 0.3): 0.000000" \
              "pixel AP: 0.333333"; do
    grep -qF "$line" out.txt || { cat out.txt err.txt; fail "the hand-computed case: no '$line'"; }
  done
  mv truth/defect.png truth/orphan.png
  expect 1 eval --scores scores --ground-truth truth
  grep -q "orphan" err.txt || { cat err.txt; fail "a mask without a score map is not named"; }
  echo "eval: perfect maps score 1; a hand-computed case gives 1, 1/3, 0, 1/3; an orphan mask is named"
  ;;
foreground)
  # Foreground masks named like the inputs: the masks of a first dataset, one per input.
  expect 0 generate "${common[@]}" --recipe cutpaste --count 4 --out first
  mkdir fg
  i=0
  for f in $(cd "$samples" && ls *.png | LC_ALL=C sort); do cp "first/masks/00000$i.png" "fg/$f"; i=$((i + 1)); done
  expect 0 generate "${common[@]}" --prompt "a large stain" --count 8 --out with_dir --foreground fg
  expect 0 generate "${common[@]}" --prompt "a large stain" --count 8 --out with_auto --foreground auto
  rm fg/wood_grain.png
  expect 1 generate "${common[@]}" --prompt "a large stain" --count 8 --out missing --foreground fg
  grep -q "wood_grain" err.txt || { cat err.txt; fail "a missing foreground mask is not named"; }
  expect 2 generate "${common[@]}" --prompt "a large stain" --count 8 --out bogus --foreground no_such_folder
  echo "foreground masks from a folder or estimated; a missing one is named"
  ;;
*) fail "unknown case $case" ;;
esac
