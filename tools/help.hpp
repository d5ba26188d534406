// SPDX-License-Identifier: MIT
// The ias tool's help texts: what `ias --help` and `ias COMMAND --help` print.
#pragma once

#include <string_view>

namespace ias_cli {

constexpr std::string_view main_help = R"(ias: industrial anomaly synthesis

usage: ias <command> [options]    (ias <command> --help for its options)

commands:
  generate   write a synthetic defect dataset (images, masks, manifest.jsonl) from normal images
  preview    a contact sheet (original, synthetic, mask overlay) of a recipe on some inputs
  recipes    list the recipes with their parameters and defaults
  recipe     print one recipe's configuration as JSON (edit it, pass it back with --config)
  eval       image AUROC, pixel AUROC, AUPRO and pixel AP of anomaly maps against masks
)";

constexpr std::string_view generate_help = R"(usage: ias generate --input DIR (--recipe NAME | --config FILE.json | --prompt TEXT)
                    --count N --out DIR [options]

  --input DIR        normal images (recursive), or an MVTec AD category folder (its train/good)
  --recipe NAME      a registered recipe (ias recipes lists them)
  --config FILE      a recipe configuration as `ias recipe NAME --json` prints it, or a mixture:
                     {"recipe": "one_of", "members": [{"recipe": ..., "weight": 2, "parameters": {...}}, ...]},
                     either with "estimate_foreground": {...} (fn::foreground_settings' fields)
  --prompt TEXT      procedural defects from a prompt ("two long thin dark scratches and a pore"):
                     the recipe prompt with this text
  --count N          samples to write (at most 2^32); sample i comes from input i mod (number of inputs)
  --out DIR          output: run.json, images/, masks/, records/, manifest.jsonl; not inside
                     --input, --textures or --foreground, nor containing them
  --seed S           dataset seed (default 0): the same arguments give the same bytes
  --epoch E          epoch (default 0): another epoch gives other samples of the same dataset
  --threads T        worker threads (default: all cores); the output does not depend on it
  --shard K/N        write only the indices i with i mod N == K
  --size WxH         resize every input to W x H first
  --foreground M     none (default), auto (estimated per image), or a folder of masks
                     matching the inputs' relative paths (.png, or MVTec's <stem>_mask.png)
  --textures DIR     anomaly textures for the texture recipes (default: procedural)
  --max-pixels P     refuse image files of more than P pixels, from their header (default 100000000)
  --resume           continue the dataset in --out: refused unless its run.json describes this same
                     run; keeps the finished samples whose files match their records, makes the rest
  --force            replace the dataset in --out: removes only the files a dataset writes
                     (run.json, images/, masks/ and records/ NNNNNN files, manifest.jsonl) and
                     names anything else it keeps
  --on-error MODE    fail (default) or skip: what an unreadable input does

  Nothing on disk changes until every option, the configuration and every input are checked.
  Exit codes: 0 done, 1 a failed run (bad input data, disk or memory), 2 a wrong command line.
)";

constexpr std::string_view preview_help = R"(usage: ias preview --input DIR (--recipe NAME | --config FILE | --prompt TEXT) --out SHEET.png
                   [-n N] [--seed S] [--size WxH] [--foreground M] [--textures DIR] [--max-pixels P] [--force]

  one row per sample: the input, the synthetic sample, the sample with its mask in red;
  an existing SHEET is overwritten only with --force
)";

constexpr std::string_view recipes_help = R"(usage: ias recipes [--json | --markdown]

  lists every recipe with its parameters: name, type, default, allowed values and meaning;
  --json as one JSON array, --markdown as docs/recipes.md
)";

constexpr std::string_view recipe_help = R"(usage: ias recipe NAME --json

  prints {"recipe": NAME, "parameters": {...defaults...}}; edit it and pass it to --config
)";

constexpr std::string_view eval_help = R"(usage: ias eval --scores DIR --ground-truth DIR [--json]

  anomaly maps (.npy float32/float64, .pfm, 8- or 16-bit grey .png) matched by file stem to
  ground-truth masks (.png, nonzero = anomalous, or MVTec's <stem>_mask.png); an image without
  a mask is normal. Prints image AUROC (image score: the map's maximum), pixel AUROC, AUPRO
  (to FPR 0.3) and pixel AP; --json prints one JSON object.
)";

}  // namespace ias_cli
