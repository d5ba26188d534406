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
  echo junk > part/images/.000011.png.tmp
  expect 0 generate "${common[@]}" --recipe cutpaste --count 16 --out part --resume
  grep -q "wrote 2 samples (skipped 14 finished" out.txt || { cat out.txt; fail "resume did not write exactly the 2 missing samples"; }
  rm -f part/images/.000011.png.tmp
  [ "$(digest full)" == "$(digest part)" ] || fail "the resumed run differs from the full run"
  echo "resume wrote the 2 missing samples; the result equals an uninterrupted run"
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
  expect 1 generate "${common[@]}" --recipe draem --count 4 --out out
  grep -q "not empty" err.txt || fail "no error about the non-empty output"
  [ "$(cat out/images/000000.png)" == "old" ] && [ "$(ls out | wc -l)" -eq 2 ] || fail "the output folder was touched"
  expect 0 generate "${common[@]}" --recipe draem --count 4 --out out --force
  [ "$(cat out/notes.txt)" == "keep" ] || fail "--force removed a file that is not the dataset's"
  [ "$(wc -l < out/manifest.jsonl)" -eq 4 ] || fail "--force did not write the dataset"
  echo "a non-empty --out is left untouched without --force; --force keeps other files"
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
  echo "configs round-trip; unknown keys, out-of-range values, bad JSON and unknown recipes are named"
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
