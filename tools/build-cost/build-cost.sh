#!/usr/bin/env bash
# Measures what NormGen adds to a user's build: generates a project with annotated model classes and
# TorchSharp training files, builds it once with the compiler's analyzer and generator timing on
# (-p:ReportAnalyzer=true), and prints NormGen's generator and analyzers' time and share of the build.
#
# usage: tools/build-cost/build-cost.sh [MODELS=300] [TORCHSHARP_FILES=300]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
models="${1:-300}"
programs="${2:-300}"
work="$(mktemp -d "${TMPDIR:-/tmp}/normgen-build-cost.XXXXXX")"
trap 'rm -rf "$work"' EXIT

python3 "$repo/tools/build-cost/generate.py" "$work" "$repo" "$models" "$programs"
dotnet restore "$work/BuildCost.csproj" -v:q
# NormGen's own projects first, so the measured build compiles only the user's project.
dotnet build "$work/BuildCost.csproj" -c Release --no-restore -v:q -p:RunAnalyzers=false > /dev/null
touch "$work"/Models/*.cs
start=$(date +%s.%N)
dotnet build "$work/BuildCost.csproj" -c Release --no-restore --no-dependencies -v:d -p:ReportAnalyzer=true -clp:PerformanceSummary > "$work/build.log"
end=$(date +%s.%N)

python3 - "$work/build.log" "$start" "$end" "$models" "$programs" <<'PY'
import re, sys
log, start, end, models, programs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
text = open(log, encoding="utf-8", errors="replace").read()

def seconds(pattern):
    m = re.search(pattern, text)
    return float(m.group(1).replace(",", ".")) if m else None

analyzers_total = seconds(r"Total analyzer execution time:\s*([\d.,]+) seconds")
generators_total = seconds(r"Total generator execution time:\s*([\d.,]+) seconds")
csc_ms = None
m = re.search(r"^\s*([\d.,]+) ms\s+Csc\s+\d+ calls", text, re.M)
if m:
    csc_ms = float(m.group(1).replace(",", ""))

def assembly_time(name):
    m = re.search(r"^\s*([\d.,<]+)\s+(\d+)\s+" + re.escape(name) + r",", text, re.M)
    if not m or "<" in m.group(1):
        return 0.0
    return float(m.group(1).replace(",", "."))

generator = assembly_time("NormGen.Generators")
# The generator assembly also holds the attribute analyzer; the analyzer table lists it under the same name.
analyzer_section = text.split("Total analyzer execution time")[1].split("Total generator execution time")[0] if "Total generator execution time" in text else text.split("Total analyzer execution time")[1]
def section_time(section, name):
    m = re.search(r"^\s*([\d.,<]+)\s+(\d+)\s+" + re.escape(name) + r",", section, re.M)
    if not m or "<" in m.group(1):
        return 0.0
    return float(m.group(1).replace(",", "."))
attribute_analyzer = section_time(analyzer_section, "NormGen.Generators")
usage_analyzers = section_time(analyzer_section, "NormGen.Analyzers")
generator_section = text.split("Total generator execution time")[1] if "Total generator execution time" in text else ""
generator = section_time(generator_section, "NormGen.Generators")
wall = end - start
csc = (csc_ms or 0) / 1000

print(f"Project: {models} annotated model classes, {programs} TorchSharp files")
print(f"Build (dotnet build, project only): {wall:.1f} s wall; compiler (Csc task): {csc:.1f} s")
print(f"All analyzers: {analyzers_total} s; all generators: {generators_total} s (compiler-reported, summed over threads)")
print(f"NormGen generator:           {generator:.3f} s = {100 * generator / csc:.1f}% of the compiler's time")
print(f"NormGen attribute analyzer:  {attribute_analyzer:.3f} s = {100 * attribute_analyzer / csc:.1f}%")
print(f"NormGen usage analyzers:     {usage_analyzers:.3f} s = {100 * usage_analyzers / csc:.1f}%")
PY
