#!/usr/bin/env bash
# Writes a project of N TorchSharp files (default 300) that loads the NormGen analyzers the way the
# package does, for measuring their share of build time:
#
#   tests/NormGen.Analyzers.Tests/BuildTime/generate-project.sh /tmp/analyzer-build-time 300
#   dotnet build /tmp/analyzer-build-time -c Release -p:ReportAnalyzer=true -v:detailed -nodeReuse:false -p:UseSharedCompilation=false
#
# Each file holds a ResNet-style block, a transformer-style block and a training/evaluation loop,
# written correctly except for one NGA007 (bias before BatchNorm) per file, so the rules do real work.
set -euo pipefail
out=${1:?usage: generate-project.sh <folder> [files]}
count=${2:-300}
root=$(cd "$(dirname "$0")/../../.." && pwd)
analyzers=$root/analyzers/NormGen.Analyzers/bin/Release/netstandard2.0/NormGen.Analyzers.dll
torchsharp=$(ls -d "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/torchsharp/*/lib/net8.0/TorchSharp.dll | sort -V | tail -1)
[ -f "$analyzers" ] || { echo "build analyzers/NormGen.Analyzers -c Release first" >&2; exit 1; }

mkdir -p "$out"
echo '<Project />' > "$out/Directory.Build.props"
echo '<Project />' > "$out/Directory.Packages.props"
cat > "$out/BuildTime.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <Reference Include="TorchSharp" HintPath="$torchsharp" />
    <Analyzer Include="$analyzers" />
  </ItemGroup>
</Project>
PROJECT

for i in $(seq 1 "$count"); do
cat > "$out/Model$i.cs" <<SOURCE
using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BuildTime;

public sealed class Block$i : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = nn.Conv2d(64, 64, 3, padding: 1, bias: false);
    private readonly BatchNorm2d bn1 = nn.BatchNorm2d(64);
    private readonly Conv2d conv2 = nn.Conv2d(64, 64, 3, padding: 1, bias: false);
    private readonly BatchNorm2d bn2 = nn.BatchNorm2d(64, eps: 1e-5, momentum: 0.1);
    private readonly Sequential head = nn.Sequential(nn.Conv2d(64, 32, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.Dropout(0.1));

    public Block$i() : base(nameof(Block$i)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.relu(bn1.forward(conv1.forward(x)));
        y = bn2.forward(conv2.forward(y));
        return head.forward(nn.functional.relu(x + y));
    }
}

public sealed class Encoder$i : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln1 = nn.LayerNorm(256);
    private readonly Linear qkv = nn.Linear(256, 768);
    private readonly LayerNorm ln2 = nn.LayerNorm(256, eps: 1e-6);
    private readonly Sequential mlp = nn.Sequential(nn.Linear(256, 1024), nn.GELU(), nn.Linear(1024, 256));

    public Encoder$i() : base(nameof(Encoder$i)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = x + qkv.forward(ln1.forward(x)).narrow(-1, 0, 256);
        return x + mlp.forward(ln2.forward(x));
    }
}

public static class Loop$i
{
    public static void Run(utils.data.Dataset dataset, Tensor testImages, int epochs)
    {
        var model = new Block$i();
        var optimizer = optim.SGD(new SGD.ParamGroup[]
        {
            new() { Parameters = model.parameters().Where(p => p.dim() > 1) },
            new() { Parameters = model.parameters().Where(p => p.dim() <= 1), Options = new() { weight_decay = 0 } },
        }, 0.1, momentum: 0.9, weight_decay: 5e-4);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            foreach (var batch in utils.data.DataLoader(dataset, batchSize: 64, shuffle: true))
            {
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(batch["data"]), batch["label"]);
                loss.backward();
                optimizer.step();
            }

            model.eval();
            using (no_grad())
            {
                Console.WriteLine(model.call(testImages).sum().item<float>());
            }
        }

        var encoder = new Encoder$i();
        var adam = optim.AdamW(encoder.parameters(), lr: 3e-4);
        var tokens = randn(16, 128, 256);
        adam.zero_grad();
        encoder.call(tokens).pow(2).mean().backward();
        adam.step();
    }
}
SOURCE
done
echo "wrote $count files to $out"
