#!/usr/bin/env python3
"""Writes a synthetic NormGen user project: annotated model classes and realistic TorchSharp files.

usage: generate.py OUTPUT_DIR REPO_ROOT [MODELS] [TORCHSHARP_FILES]
"""
import os
import random
import sys

out, repo = sys.argv[1], os.path.abspath(sys.argv[2])
models = int(sys.argv[3]) if len(sys.argv) > 3 else 300
programs = int(sys.argv[4]) if len(sys.argv) > 4 else 300
rng = random.Random(7)
os.makedirs(os.path.join(out, "Models"), exist_ok=True)
os.makedirs(os.path.join(out, "Training"), exist_ok=True)

with open(os.path.join(out, "BuildCost.csproj"), "w") as f:
    f.write(f"""<Project Sdk="Microsoft.NET.Sdk">
  <!-- A NormGen user's project, consuming the runtime, generator and analyzers from source. -->
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <OutputType>Library</OutputType>
    <Nullable>enable</Nullable>
    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
    <NoWarn>$(NoWarn);CS8618;CS0169;CS0414;CS0219;CS0168</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="TorchSharp" Version="0.107.0" />
    <ProjectReference Include="{repo}/src/NormGen/NormGen.csproj" />
    <ProjectReference Include="{repo}/generators/NormGen.Generators/NormGen.Generators.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
    <ProjectReference Include="{repo}/analyzers/NormGen.Analyzers/NormGen.Analyzers.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
  </ItemGroup>
</Project>
""")

# Norm declarations of every kind, over the shapes real models use.
DECLARATIONS = [
    ('[TensorLayout("B,T,D")]', '[LayerNorm("ln{i}", Axes = "D", Shape = [{d}])]'),
    ('[TensorLayout("B,T,D")]', '[RmsNorm("rms{i}", Axes = "D", Shape = [{d}], Eps = 1e-6)]'),
    ('[TensorLayout("B,T,D")]', '[LayerNorm("pre{i}", Axes = "D", Shape = [{d}], Residual = true, Activation = Activation.Gelu)]'),
    ('[TensorLayout("N,C={c},H=16,W=16")]', '[BatchNorm("bn{i}")]'),
    ('[TensorLayout("N,H=16,W=16,C={c}")]', '[GroupNorm("gn{i}", 8)]'),
    ('[TensorLayout("N,C={c},H=8,W=8")]', '[LayerNorm("cf{i}", Axes = "C")]'),
    ('[TensorLayout("N,C={c},L=32")]', '[InstanceNorm("in{i}", Affine = true)]'),
]

for i in range(models):
    layout, norm = DECLARATIONS[i % len(DECLARATIONS)]
    d = rng.choice([64, 128, 256, 384, 512, 768, 1024])
    c = rng.choice([16, 32, 64, 128])
    with open(os.path.join(out, "Models", f"Block{i}.cs"), "w") as f:
        f.write(f"""using NormGen;

namespace BuildCost.Models;

{layout.format(c=c)}
{norm.format(i=i, d=d, c=c)}
public partial class Block{i}
{{
    public int Width => {d};
}}
""")

MODULES = [
    ("nn.Conv2d({cin}, {cout}, 3, padding: 1, bias: false)", "nn.BatchNorm2d({cout})"),
    ("nn.Conv2d({cin}, {cout}, 3, padding: 1, bias: false)", "nn.GroupNorm(8, {cout})"),
    ("nn.Linear({cin}, {cout})", "nn.LayerNorm({cout})"),
    ("nn.Conv1d({cin}, {cout}, 3, padding: 1, bias: false)", "nn.BatchNorm1d({cout})"),
]

for i in range(programs):
    conv, norm = MODULES[i % len(MODULES)]
    cin, cout = rng.choice([16, 32, 64]), rng.choice([32, 64, 128])
    conv_text, norm_text = conv.format(cin=cin, cout=cout), norm.format(cout=cout)
    with open(os.path.join(out, "Training", f"Program{i}.cs"), "w") as f:
        f.write(f"""using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BuildCost.Training;

public sealed class Net{i} : nn.Module<Tensor, Tensor>
{{
    private readonly Sequential body = nn.Sequential(
        {conv_text},
        {norm_text},
        nn.ReLU(),
        nn.Dropout(0.1));
    private readonly Linear head = nn.Linear({cout}, 10);

    public Net{i}() : base(nameof(Net{i})) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {{
        var features = body.forward(x);
        return head.forward(features.flatten(1).mean(new long[] {{ 1 }}, keepdim: true).expand(-1, {cout}));
    }}
}}

public static class Trainer{i}
{{
    public static float Train(Net{i} model, IEnumerable<(Tensor Input, Tensor Target)> batches, int epochs)
    {{
        var optimizer = optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 0.0);
        float last = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {{
            model.train();
            foreach (var (input, target) in batches)
            {{
                using var scope = torch.NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(input), target);
                loss.backward();
                optimizer.step();
                last = loss.item<float>();
            }}

            model.eval();
            using (torch.no_grad())
            {{
                foreach (var (input, _) in batches)
                {{
                    Console.WriteLine(model.call(input).argmax(1).sum().item<long>());
                }}
            }}
        }}

        return last;
    }}
}}
""")

print(f"{models} annotated model classes and {programs} TorchSharp files in {out}")
