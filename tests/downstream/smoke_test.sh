#!/usr/bin/env bash
# Smoke test of the downstream benchmark: a few training steps on generated images.
#   smoke_test.sh IAS_DOWNSTREAM IAS SAMPLES_DIR WORK_DIR
# The bundled samples are the normals (half held out for testing); `ias generate` makes the
# defect folder (an ias dataset: images/ and masks/). Checks the report's format, that every
# metric is in range, that a seed trains to the same numbers twice, and the errors.
set -euo pipefail
downstream="$1" ias="$2" samples="$3" work="$4"
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$ias" generate --input "$samples" --prompt "a heavy stain and a large dent" --count 6 --size 64x64 --seed 5 --out defects >/dev/null

run=("$downstream" --normal "$samples" --holdout 0.5 --defects defects --size 64 --batch 4 --steps 3 --threads 2)
"${run[@]}" --recipe baseline --recipe baseline:per_position --recipe draem --recipe "one_of:cutpaste_scar,prompt:a crack" \
  --seed 0 --seed 1 --previews 2 --out report.json 2>log.txt || { cat log.txt >&2; fail "the run failed"; }
grep -q "of it in ias" log.txt || fail "the log does not report the share of time in ias"

python3 - <<'EOF'
import json, math
rows = json.load(open("report.json"))["results"]
recipes = ["baseline", "baseline:per_position", "draem", "one_of:cutpaste_scar,prompt:a crack"]
assert len(rows) == 8, f"expected 4 recipes x 2 seeds = 8 rows, got {len(rows)}"
assert [r["recipe"] for r in rows] == recipes * 2, [r["recipe"] for r in rows]
assert [r["seed"] for r in rows] == [0] * 4 + [1] * 4
for r in rows:
    assert r["defects"] == "defects", r
    for key in ("pixel_auroc", "aupro", "image_auroc", "pixel_ap"):
        assert 0.0 <= r[key] <= 1.0 and not math.isnan(r[key]), (key, r)
    trained = not r["recipe"].startswith("baseline")
    assert r["steps"] == (3 if trained else 0), r
    assert r["train_seconds"] > 0 and 0 <= r["synth_seconds"] <= r["train_seconds"], r
    assert (r["synth_seconds"] > 0) == trained, r
base = {r["recipe"]: r["pixel_auroc"] for r in rows[:4]}
again = {r["recipe"]: r["pixel_auroc"] for r in rows[4:]}
assert base["baseline"] == again["baseline"], "the baseline does not depend on the seed"
print("report: 8 rows, metrics in [0, 1], steps and times consistent")
EOF

grep -q '^| pixel AUROC | defects | steps | share in ias |$' report.md || fail "report.md has no pixel AUROC table"
grep -q '^| draem | [01]\.[0-9]\{3\} ± [0-9.]* |' report.md || fail "report.md does not show draem's mean ± std"
for f in baseline__defects draem__defects one_of_cutpaste_scar_prompt_a_crack__defects; do
  [ -s "report_previews/$f.png" ] || fail "report_previews/$f.png is missing"
done
echo "report.md and previews written"

# The same seed trains to the same numbers.
"${run[@]}" --recipe draem --seed 1 --previews 0 --out again.json 2>/dev/null
python3 -c '
import json
a = [r for r in json.load(open("report.json"))["results"] if r["recipe"] == "draem" and r["seed"] == 1][0]
b = json.load(open("again.json"))["results"][0]
assert all(a[k] == b[k] for k in ("pixel_auroc", "aupro", "image_auroc")), (a, b)
print("seed 1 retrained: identical metrics")'

# A recipe with changed parameters, from a configuration file as `ias recipe NAME --json` prints it.
"$ias" recipe cutpaste_scar --json | sed 's/"scar_width": \[2, 16\]/"scar_width": [2, 32]/' > wide_scar.json
grep -qF '"scar_width": [2, 32]' wide_scar.json || fail "ias recipe cutpaste_scar --json has no scar_width of [2, 16]"
"${run[@]}" --recipe wide_scar.json --previews 0 --out configured.json 2>/dev/null
python3 -c '
import json
rows = json.load(open("configured.json"))["results"]
assert [r["recipe"] for r in rows] == ["wide_scar.json"] and rows[0]["steps"] == 3, rows
print("a recipe configuration file trains")'
sed 's/"scar_width": \[2, 32\]/"scar_width": [2, -1]/' wide_scar.json > bad_scar.json

# Errors: a wrong command line exits 2 naming the option or recipe; a missing mask exits 1 naming it.
expect() {
  local want="$1" text="$2"; shift 2
  set +e; "$@" >/dev/null 2>err.txt; local got=$?; set -e
  [ "$got" -eq "$want" ] || { cat err.txt >&2; fail "$* exited $got, expected $want"; }
  grep -qF -- "$text" err.txt || { cat err.txt >&2; fail "the error does not mention '$text'"; }
}
expect 2 "--frobnicate" "${run[@]}" --recipe draem --frobnicate 1
expect 2 "no_such_recipe" "${run[@]}" --recipe no_such_recipe
expect 2 "--size" "${run[@]}" --recipe draem --size 60
expect 2 "scar_width" "${run[@]}" --recipe bad_scar.json
expect 2 "missing.json" "${run[@]}" --recipe missing.json
mkdir -p broken/images broken/masks && cp defects/images/000000.png broken/images/
expect 1 "broken/masks/000000.png" "${run[@]}" --recipe baseline --defects broken
echo "errors: named, exit codes 2 and 1"
